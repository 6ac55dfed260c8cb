// Client-side caching, the server side (see tracking.h): enabling and disabling, remembering the
// keys a tracking client read, invalidation messages (at once, deferred after the running
// client's reply, or broadcast per prefix in beforeSleep) and the table's size limit.
#include "node/server/tracking.h"

#include <algorithm>

#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/command_keys.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

std::string oneKeyArray(std::string_view key) {
  std::string out;
  resp::Writer w(out);
  w.arrayHeader(1);
  w.bulk(key);
  return out;
}

// shared.null[c->resp]: the tracking client's own null, even when a redirect client receives it.
std::string_view nullFor(const Client& c) {
  return c.protocol() == resp::Protocol::kResp3 ? "_\r\n" : "$-1\r\n";
}

}  // namespace

Client* Tracking::clientById(uint64_t id) const {
  const auto& clients = server_.clients();
  auto it = clients.find(id);
  return it == clients.end() ? nullptr : it->second;
}

void Tracking::enable(Client& client, const TrackingOptions& o) {
  ClientTracking& t = client.tracking;
  if (!t.on) ++clients_;
  t.on = true;
  t.brokenRedirect = t.bcast = t.optin = t.optout = t.noloop = false;
  t.redirect = o.redirect;
  if (o.bcast) {
    t.bcast = true;
    if (o.prefixes.empty() && prefixes_.subscribe("", &client)) t.prefixes.emplace();
    for (std::string_view p : o.prefixes) {
      if (prefixes_.subscribe(p, &client)) t.prefixes.emplace(p);
    }
  }
  t.optin = o.optin;
  t.optout = o.optout;
  t.noloop = o.noloop;
}

void Tracking::disable(Client& client) {
  ClientTracking& t = client.tracking;
  if (t.bcast) {
    for (const std::string& p : t.prefixes) prefixes_.unsubscribe(p, &client);
    t.prefixes.clear();
  }
  if (t.on) {
    --clients_;
    t.on = t.brokenRedirect = t.bcast = t.optin = t.optout = t.caching = t.noloop = false;
  }
}

void Tracking::rememberKeys(Client& current, const CommandDef& def,
                            const std::vector<std::string_view>& argv) {
  const ClientTracking& t = current.tracking;
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  if (def.hasFlag("pubsub")) return;  // shard channels are not keys to cache
  KeyPositions keys;
  routingKeys(def, argv, keys);
  for (size_t pos : keys) table_.remember(argv[pos], current.id());
}

void Tracking::invalidateKey(std::string_view key, bool bcast, const Client* by, Client* current) {
  if (bcast && prefixes_.size() > 0) prefixes_.keyModified(key, by);
  const std::vector<uint64_t> ids = table_.take(key);
  for (uint64_t id : ids) {
    Client* target = clientById(id);
    // A client that switched to BCAST does not get what it tracked before.
    if (target == nullptr || !target->tracking.on || target->tracking.bcast) continue;
    if (target->tracking.noloop && target == current) continue;
    if (target == current) {  // after its reply, not inside it
      pending_.push_back({std::string(key), false});
    } else {
      send(*target, oneKeyArray(key));
    }
  }
}

void Tracking::invalidateOnFlush(Client* current) {
  if (clients_ > 0) {
    for (const auto& [id, c] : server_.clients()) {
      if (!c->tracking.on) continue;
      if (c == current) {
        pending_.push_back({std::string(), true});
      } else {
        send(*c, nullFor(*c));
      }
    }
  }
  table_.clear();
}

void Tracking::flushPending(Client& current) {
  std::vector<Pending> pending = std::move(pending_);
  pending_.clear();
  for (const Pending& p : pending) {
    send(current, p.flush ? nullFor(current) : std::string_view(oneKeyArray(p.key)));
  }
}

void Tracking::broadcast() {
  if (clients_ == 0) return;
  std::string all, adhoc, body;
  resp::Writer allWriter(all), adhocWriter(adhoc), bodyWriter(body);
  for (auto& [prefix, state] : prefixes_.prefixes()) {
    if (state.keys.empty()) continue;
    all.clear();
    allWriter.arrayHeader(state.keys.size());
    for (const auto& [key, by] : state.keys) allWriter.bulk(key);
    for (Client* c : state.clients) {
      if (!c->tracking.noloop) {
        send(*c, all);
        continue;
      }
      // NOLOOP: the keys this client changed itself are left out (nothing if that is all).
      size_t n = 0;
      body.clear();
      for (const auto& [key, by] : state.keys) {
        if (by == c) continue;
        bodyWriter.bulk(key);
        ++n;
      }
      if (n == 0) continue;
      adhoc.clear();
      adhocWriter.arrayHeader(n);
      adhoc += body;
      send(*c, adhoc);
    }
    state.keys.clear();
  }
}

void Tracking::limitKeys(size_t maxKeys) {
  if (maxKeys == 0) return;
  if (table_.keys() <= maxKeys) {
    limitTimeouts_ = 0;
    return;
  }
  // Redis's effort: 100 keys more for every earlier call that ended still over the limit.
  int effort = 100 * static_cast<int>(limitTimeouts_ + 1);
  std::string key;
  while (effort-- > 0) {
    if (!table_.randomKey(key)) break;
    invalidateKey(key, false, nullptr, nullptr);
    if (table_.keys() <= maxKeys) {
      limitTimeouts_ = 0;
      return;
    }
  }
  ++limitTimeouts_;
}

void Tracking::send(Client& tracking, std::string_view payload) {
  Client* target = &tracking;
  bool redirected = false;
  if (tracking.tracking.redirect != 0) {
    Client* redir = clientById(tracking.tracking.redirect);
    if (redir == nullptr) {
      tracking.tracking.brokenRedirect = true;
      // Tell the client itself (RESP3 only) that its invalidations have nowhere to go.
      if (tracking.protocol() == resp::Protocol::kResp3 && !tracking.closed()) {
        std::string& out = tracking.out();
        tracking.session.beginPush(out);
        out += ">2\r\n$21\r\ntracking-redir-broken\r\n:";
        out += std::to_string(tracking.tracking.redirect);
        out += "\r\n";
        tracking.session.endPush(out.size());
        server_.wantFlush(tracking);
      }
      return;
    }
    target = redir;
    redirected = true;
  }
  std::string_view header;
  if (target->protocol() == resp::Protocol::kResp3) {
    header = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (redirected && target->session.pubsub) {
    header = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;  // RESP2 without a subscribed redirect client: nowhere to send it
  }
  if (target->closed()) return;
  std::string& out = target->out();
  target->session.beginPush(out);
  out += header;
  out += payload;
  target->session.endPush(out.size());
  server_.wantFlush(*target);
}

}  // namespace strata::node

// ---- The Server's side: the keyspace hook, call()'s remembering, creation ----------------------

namespace strata::node {

Tracking& Server::tracking() {
  if (!tracking_) tracking_ = std::make_unique<Tracking>(*this);
  return *tracking_;
}

void Server::trackingAfterCall(Client& client, const CommandDef& def,
                               const std::vector<std::string_view>& argv) {
  // A read-only command ran for the client whose request it is: its keys are remembered. Inside
  // a script (run by the script's own client) Redis 7.0 remembers the keys of the caller's
  // command, EVAL's declared KEYS, for each read-only redis.call(); the read-only script
  // commands themselves remember nothing.
  Client* current = currentClient_;
  if (current == nullptr || !current->tracking.on || current->tracking.bcast) return;
  if (!def.hasFlag("readonly")) return;
  if (def.handler == &cmd::eval_ro || def.handler == &cmd::evalsha_ro ||
      def.handler == &cmd::fcall_ro) {
    return;
  }
  if (&client == current) {
    tracking_->rememberKeys(*current, def, argv);
  } else {
    tracking_->rememberKeys(*current, *currentDef_, *currentArgv_);
  }
}

}  // namespace strata::node
