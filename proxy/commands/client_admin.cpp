// CLIENT LIST and CLIENT KILL over the whole proxy: a client of one worker sees (and may kill)
// the clients of every worker, as one server's CLIENT LIST shows all of its clients. The command
// is parsed and checked here with redis-server 7.0's errors, then Worker::onEveryWorker runs the
// match on each worker's thread (where its clients live) and the reply is written back on the
// caller's worker once all have answered. Admin paths: nothing here runs per ordinary request.
#include <algorithm>
#include <charconv>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "proxy/client_conn.h"
#include "proxy/commands/client_filter.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

bool parseId(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<ClientFilter::Type> clientTypeByName(std::string_view name) {
  using T = ClientFilter::Type;
  if (config::equalsNoCase(name, "normal")) return T::kNormal;
  if (config::equalsNoCase(name, "pubsub")) return T::kPubSub;
  if (config::equalsNoCase(name, "master")) return T::kMaster;
  if (config::equalsNoCase(name, "slave") || config::equalsNoCase(name, "replica")) {
    return T::kReplica;
  }
  return std::nullopt;
}

bool ClientConn::matches(const ClientFilter& f) const {
  if (f.skip != 0 && f.skip == id_) return false;
  if (!f.ids.empty() && std::find(f.ids.begin(), f.ids.end(), id_) == f.ids.end()) return false;
  if (f.type &&
      *f.type != (isSubscribed() ? ClientFilter::Type::kPubSub : ClientFilter::Type::kNormal)) {
    return false;
  }
  if (f.user && *f.user != user_) return false;
  if (f.addr && *f.addr != peer_) return false;
  if (f.laddr && *f.laddr != localAddr_) return false;
  return true;
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id [id ...]]
void ClientConn::cmdClientList(Request* r, const Args& args) {
  ClientFilter filter;
  if (args.size() == 4 && config::equalsNoCase(args[2], "type")) {
    filter.type = clientTypeByName(args[3]);
    if (!filter.type) {
      replyError(r, "ERR Unknown client type '" + std::string(args[3]) + "'");
      return;
    }
  } else if (args.size() > 3 && config::equalsNoCase(args[2], "id")) {
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id = 0;
      if (!parseId(args[i], id)) {
        replyError(r, "ERR Invalid client ID");
        return;
      }
      // As 7.0: any integer is looked for; 0 or a negative one is nobody's id (ids count from 1).
      filter.ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (args.size() != 2) {
    replyError(r, errors::kSyntax);
    return;
  }
  worker_.onEveryWorker(
      [filter](Worker& w) {
        std::string lines;
        w.forEachClient([&](ClientConn& c) {
          if (c.matches(filter)) lines += c.infoLine() + "\n";
        });
        return lines;
      },
      [&worker = worker_, me = id_, r](std::vector<std::string> parts) {
        ClientConn* self = worker.findClient(me);
        if (self == nullptr) return;  // gone: its requests went with it
        std::string all;
        for (const std::string& p : parts) all += p;
        self->writer(r).verbatim("txt", all);
        self->replyLocal(r);
      });
}

// CLIENT KILL addr:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes|no]
void ClientConn::cmdClientKill(Request* r, const Args& args) {
  if (args.size() < 3) {  // client|kill's arity, -3
    replyError(r, "ERR wrong number of arguments for 'client|kill' command");
    return;
  }
  ClientFilter filter;
  const bool oldForm = args.size() == 3;
  if (oldForm) {
    filter.addr = std::string(args[2]);  // the old form may kill the caller itself
  } else if (args.size() > 3 && args.size() % 2 == 0) {
    filter.skip = id_;
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      std::string_view option = args[i], value = args[i + 1];
      if (config::equalsNoCase(option, "id")) {
        int64_t id = 0;
        if (!parseId(value, id) || id < 1) {
          replyError(r, "ERR client-id should be greater than 0");
          return;
        }
        filter.ids = {static_cast<uint64_t>(id)};
      } else if (config::equalsNoCase(option, "type")) {
        filter.type = clientTypeByName(value);
        if (!filter.type) {
          replyError(r, "ERR Unknown client type '" + std::string(value) + "'");
          return;
        }
      } else if (config::equalsNoCase(option, "addr")) {
        filter.addr = std::string(value);
      } else if (config::equalsNoCase(option, "laddr")) {
        filter.laddr = std::string(value);
      } else if (config::equalsNoCase(option, "user")) {
        if (!worker_.settings().hasUser(value)) {
          replyError(r, "ERR No such user '" + std::string(value) + "'");
          return;
        }
        filter.user = std::string(value);
      } else if (config::equalsNoCase(option, "skipme")) {
        if (config::equalsNoCase(value, "yes")) {
          filter.skip = id_;
        } else if (config::equalsNoCase(value, "no")) {
          filter.skip = 0;
        } else {
          replyError(r, errors::kSyntax);
          return;
        }
      } else {
        replyError(r, errors::kSyntax);
        return;
      }
    }
  } else {
    replyError(r, errors::kSyntax);
    return;
  }
  // Each worker closes its matching clients (collected first: closing edits the client set) and
  // counts them; the caller, if it matches, is closed only after its reply, as Redis does.
  worker_.onEveryWorker(
      [filter, me = id_](Worker& w) {
        std::vector<ClientConn*> victims;
        bool self = false;
        w.forEachClient([&](ClientConn& c) {
          if (!c.matches(filter)) return;
          if (c.id() == me) {
            self = true;
          } else {
            victims.push_back(&c);
          }
        });
        for (ClientConn* c : victims) c->close("killed by CLIENT KILL");
        return std::to_string(victims.size()) + (self ? "+self" : "");
      },
      [&worker = worker_, me = id_, r, oldForm](std::vector<std::string> parts) {
        ClientConn* self = worker.findClient(me);
        if (self == nullptr) return;
        int64_t killed = 0;
        bool killedSelf = false;
        for (const std::string& p : parts) {
          int64_t n = 0;
          std::from_chars(p.data(), p.data() + p.size(), n);
          killed += n;
          if (p.ends_with("+self")) killedSelf = true;
        }
        if (killedSelf) {
          ++killed;
          self->closeAfterReplies();
        }
        if (oldForm && killed == 0) {
          self->replyError(r, "ERR No such client");
          return;
        }
        if (oldForm) {
          self->writer(r).ok();
        } else {
          self->writer(r).integer(killed);
        }
        self->replyLocal(r);
      });
}

}  // namespace strata::proxy
