// The HTTP endpoint of a node or proxy process: serves a prometheus::Registry at /metrics and
// small plain-text handlers such as /healthz (built in: 200 "ok") and /readyz (registered by the
// owner), all on one address (default 127.0.0.1:9121). Owns the prometheus::Exposer (civetweb
// server and its threads) and the handler table; shares ownership of the registry.
//
// How the extra handlers are served: prometheus-cpp 1.0's Exposer only serves collectables, but
// it passes a CivetCallbacks table to its civetweb server; our `begin_request` hook answers the
// registered paths itself and leaves every other request to the Exposer. The hook needs four
// civetweb functions; Debian's prometheus-cpp links libcivetweb (so it is always loaded), but
// CMake's prometheus-cpp::pull target does not pass it on to us, so metrics_server.cpp refers to
// them as weak symbols, bound at load time (linking civetweb::civetweb would make them strong;
// no code change needed). If they were ever missing, the extra handlers answer nothing (404)
// and /metrics still works.
//
// Threads: start() from any thread; setHandler() from any thread at any time. Handlers run on
// civetweb's worker threads, possibly concurrently: they must be thread-safe and quick.
#pragma once

#include <prometheus/registry.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

struct mg_connection;

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace strata::observe {

struct MetricsOptions {
  // civetweb listening address: "host:port", "[v6addr]:port" or "port" (all interfaces).
  // Port 0 picks a free port; MetricsServer::port() reports it.
  std::string address = "127.0.0.1:9121";
  std::size_t threads = 2;  // civetweb worker threads
};

struct HttpTextReply {
  // A constructor rather than an aggregate, so `HttpTextReply{503, "loading\n"}` names only what
  // it sets without tripping -Wmissing-field-initializers.
  HttpTextReply(int statusCode = 200, std::string text = {},
                std::string type = "text/plain; charset=utf-8")
      : status(statusCode), body(std::move(text)), contentType(std::move(type)) {}

  int status;
  std::string body;
  std::string contentType;
};

using HttpTextHandler = std::function<HttpTextReply()>;

class MetricsServer;

struct MetricsStartResult {
  std::unique_ptr<MetricsServer> server;  // null on error
  std::string error;                      // empty on success

  explicit operator bool() const noexcept { return server != nullptr; }
};

class MetricsServer {
 public:
  // Binds `options.address` and serves `registry` at /metrics and "ok" at /healthz. Never
  // throws: a busy or invalid address comes back as an error naming it.
  static MetricsStartResult start(const MetricsOptions& options,
                                  std::shared_ptr<prometheus::Registry> registry);

  ~MetricsServer();  // stops the server; waits for requests in progress
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound TCP port (the real one when port 0 was asked for).
  uint16_t port() const noexcept { return port_; }

  prometheus::Registry& registry() const noexcept { return *registry_; }

  // Serves `path` (exact match, e.g. "/readyz") with `handler` for GET and HEAD; an empty handler
  // removes the path. A handler that throws yields 500.
  void setHandler(const std::string& path, HttpTextHandler handler);

 private:
  explicit MetricsServer(std::shared_ptr<prometheus::Registry> registry);

  static int onBeginRequest(mg_connection* conn) noexcept;
  // 0 when `path` has no handler (civetweb carries on), else the HTTP status sent.
  int serve(mg_connection* conn, const char* method, const std::string& path) noexcept;

  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::shared_mutex handlersMutex_;
  std::unordered_map<std::string, HttpTextHandler> handlers_;
  uint16_t port_ = 0;
  std::unique_ptr<prometheus::Exposer> exposer_;  // last: stopped before the rest goes
};

}  // namespace strata::observe
