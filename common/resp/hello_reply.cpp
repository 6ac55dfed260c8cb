// HELLO's reply map (see hello_reply.h).
#include "common/resp/hello_reply.h"

namespace strata::resp {

void writeHelloReply(Writer& w, int proto, int64_t clientId, std::string_view mode,
                     std::string_view role) {
  w.mapHeader(7);
  w.bulk("server");
  w.bulk("redis");
  w.bulk("version");
  w.bulk("7.0.15");
  w.bulk("proto");
  w.integer(proto);
  w.bulk("id");
  w.integer(clientId);
  w.bulk("mode");
  w.bulk(mode);
  w.bulk("role");
  w.bulk(role);
  w.bulk("modules");
  w.arrayHeader(0);
}

}  // namespace strata::resp
