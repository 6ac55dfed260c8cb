// INFO through the proxy: every master's INFO is fetched; the reply is the first master's text
// with the Keyspace section summed over all masters (db0 keys and expires), followed by a
// `# Proxy` section describing the proxy itself (version, uptime, workers, clients and the
// effective maxclients, backends, slot map). `INFO proxy` answers with the proxy section alone,
// without asking any node.
#include <charconv>
#include <thread>

#include "common/resp/reply_parser.h"
#include "proxy/client_conn.h"
#include "proxy/worker.h"

namespace strata::proxy {

namespace {

// The text of a bulk ($) or verbatim (=) reply; empty if it is neither.
std::string_view replyText(std::string_view reply, bool& verbatim) {
  verbatim = !reply.empty() && reply[0] == '=';
  if (reply.empty() || (reply[0] != '$' && reply[0] != '=')) return {};
  size_t eol = reply.find("\r\n");
  if (eol == std::string_view::npos || reply.size() < eol + 4) return {};
  std::string_view body = reply.substr(eol + 2, reply.size() - eol - 4);
  if (verbatim && body.size() >= 4) body.remove_prefix(4);  // "txt:"
  return body;
}

int64_t fieldValue(std::string_view line, std::string_view name) {
  size_t at = line.find(name);
  if (at == std::string_view::npos) return 0;
  at += name.size();
  int64_t v = 0;
  std::from_chars(line.data() + at, line.data() + line.size(), v);
  return v;
}

void aggregateInfo(Request& parent) {
  for (const Request* c : parent.children) {
    if (!c->reply.empty() && c->reply[0] == '-') {
      parent.reply = c->reply;
      return;
    }
  }
  std::string proxySection = std::move(parent.reply);
  parent.reply.clear();
  bool verbatim = false;
  std::string_view first =
      parent.children.empty() ? std::string_view() : replyText(parent.children[0]->reply, verbatim);
  int64_t keys = 0, expires = 0;
  for (const Request* c : parent.children) {
    bool v = false;
    std::string_view text = replyText(c->reply, v);
    size_t at = text.find("\r\ndb0:");
    if (at == std::string_view::npos) continue;
    std::string_view line = text.substr(at + 2, text.find("\r\n", at + 2) - at - 2);
    keys += fieldValue(line, "keys=");
    expires += fieldValue(line, "expires=");
  }
  std::string text(first);
  size_t db = text.find("\r\ndb0:");
  if (db != std::string::npos) {
    size_t end = text.find("\r\n", db + 2);
    text.replace(
        db + 2, end - db - 2,
        "db0:keys=" + std::to_string(keys) + ",expires=" + std::to_string(expires) + ",avg_ttl=0");
  }
  if (!text.empty() && !text.ends_with("\r\n")) text.append("\r\n");
  if (!text.empty()) text.append("\r\n");
  text.append(proxySection);
  resp::Writer w(parent.reply, verbatim ? resp::Protocol::kResp3 : resp::Protocol::kResp2);
  if (verbatim) {
    w.verbatim("txt", text);
  } else {
    w.bulk(text);
  }
}

}  // namespace

void ClientConn::cmdInfo(Request* r, const Args& args) {
  auto& shared = worker_.shared();
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - shared.startTime);
  auto map = shared.slotMap.load();
  const auto& s = worker_.settings();
  std::string section = "# Proxy\r\n";
  auto add = [&](std::string_view k, const std::string& v) {
    section.append(k);
    section.push_back(':');
    section.append(v);
    section.append("\r\n");
  };
  add("proxy_version", "0.1.0");
  add("uptime_in_seconds", std::to_string(uptime.count()));
  add("workers", std::to_string(s.threads));
  add("connected_clients", std::to_string(shared.clients.load()));
  add("maxclients", std::to_string(s.maxclients));  // as fitted to the open-files limit
  add("worker_id", std::to_string(worker_.id()));
  add("worker_backend_connections", std::to_string(worker_.backends().connectionCount()));
  add("worker_requests_in_flight", std::to_string(worker_.requests().live()));
  add("cluster_masters", std::to_string(map ? map->shards().size() : 0));
  add("cluster_slots_covered", std::to_string(map ? map->coveredSlots() : 0));
  add("tls_listener", s.tlsPort > 0 ? std::to_string(s.tlsPort) : "0");
  add("auth_required", s.authRequired() ? "1" : "0");

  bool proxyOnly =
      args.size() == 2 && (args[1] == "proxy" || args[1] == "PROXY" || args[1] == "Proxy");
  if (proxyOnly) {
    auto w = writer(r);
    if (protocol_ == resp::Protocol::kResp3) {
      w.verbatim("txt", section);
    } else {
      w.bulk(section);
    }
    replyLocal(r);
    return;
  }
  r->reply = std::move(section);  // consumed by aggregateInfo
  fanOut(r, args, aggregateInfo);
}

}  // namespace strata::proxy
