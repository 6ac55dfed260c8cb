// The reply map of HELLO, as Redis 7.0 sends it: server, version, proto, id, mode, role and
// modules. The node (mode "cluster" or "standalone", role "master" or "replica") and the proxy
// ("standalone", "master") both answer HELLO with it once they have checked the arguments and
// switched the connection's protocol.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/resp/writer.h"

namespace strata::resp {

void writeHelloReply(Writer& w, int proto, int64_t clientId, std::string_view mode,
                     std::string_view role = "master");

}  // namespace strata::resp
