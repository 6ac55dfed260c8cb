// Implementation of common/observe/metrics_server.h. The civetweb context of each server is
// learnt through the `init_context` hook (run synchronously inside the Exposer's constructor,
// on the starting thread) and mapped to its MetricsServer, so `begin_request` can find the
// handler table of the server a request arrived at.
#include "common/observe/metrics_server.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/exposer.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <string_view>
#include <utility>

// Weak: resolved at load time from libcivetweb, which libprometheus-cpp-pull depends on (see
// the header). Null if absent.
#pragma weak mg_get_context
#pragma weak mg_get_request_info
#pragma weak mg_write
// CivetCallbacks::CivetCallbacks() (it zero-fills the table), from libcivetweb-cpp, made weak
// the same way through an alias of its mangled name, whose address tells whether it is there.
extern "C" void strataCivetCallbacksCtor() __asm__("_ZN14CivetCallbacksC1Ev") __attribute__((weak));

namespace strata::observe {
namespace {

bool civetwebLinked() {
  return &mg_get_context != nullptr && &mg_get_request_info != nullptr && &mg_write != nullptr &&
         &strataCivetCallbacksCtor != nullptr;
}

std::mutex gContextsMutex;
std::unordered_map<const mg_context*, MetricsServer*> gContexts;
thread_local MetricsServer* tStarting = nullptr;

void onInitContext(const mg_context* ctx) {
  if (tStarting == nullptr) return;
  std::lock_guard lock(gContextsMutex);
  gContexts[ctx] = tStarting;
}

void forget(const MetricsServer* server) {
  std::lock_guard lock(gContextsMutex);
  std::erase_if(gContexts, [server](const auto& entry) { return entry.second == server; });
}

MetricsServer* serverOf(const mg_context* ctx) {
  std::lock_guard lock(gContextsMutex);
  auto it = gContexts.find(ctx);
  return it == gContexts.end() ? nullptr : it->second;
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

void send(mg_connection* conn, const HttpTextReply& reply, bool withBody) {
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reasonPhrase(reply.status) +
                     "\r\nContent-Type: " + reply.contentType +
                     "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                     "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
  if (withBody) head += reply.body;
  mg_write(conn, head.data(), head.size());
}

}  // namespace

MetricsServer::MetricsServer(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {
  handlers_["/healthz"] = [] { return HttpTextReply{200, "ok\n"}; };
}

MetricsServer::~MetricsServer() {
  exposer_.reset();  // mg_stop: joins civetweb's threads, so no request still uses `this`
  forget(this);
}

MetricsStartResult MetricsServer::start(const MetricsOptions& options,
                                        std::shared_ptr<prometheus::Registry> registry) {
  if (!registry) return {nullptr, "metrics: no registry given"};
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(registry)));
  if (!civetwebLinked()) return {nullptr, "metrics: civetweb is not loaded"};
  CivetCallbacks callbacks;  // zero-filled by its constructor
  callbacks.begin_request = &MetricsServer::onBeginRequest;
  callbacks.init_context = &onInitContext;
  tStarting = server.get();
  try {
    server->exposer_ =
        std::make_unique<prometheus::Exposer>(options.address, options.threads, &callbacks);
  } catch (const std::exception& e) {
    tStarting = nullptr;
    forget(server.get());
    return {nullptr, "metrics: cannot listen on '" + options.address + "': " + e.what()};
  }
  tStarting = nullptr;
  server->exposer_->RegisterCollectable(server->registry_);
  std::vector<int> ports = server->exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0 || ports.front() > 65535) {
    return {nullptr, "metrics: no listening port for '" + options.address + "'"};
  }
  server->port_ = static_cast<uint16_t>(ports.front());
  return {std::move(server), ""};
}

void MetricsServer::setHandler(const std::string& path, HttpTextHandler handler) {
  std::unique_lock lock(handlersMutex_);
  if (handler) {
    handlers_[path] = std::move(handler);
  } else {
    handlers_.erase(path);
  }
}

int MetricsServer::onBeginRequest(mg_connection* conn) noexcept {
  if (!civetwebLinked()) return 0;
  const mg_request_info* info = mg_get_request_info(conn);
  if (info == nullptr || info->local_uri == nullptr) return 0;
  MetricsServer* server = serverOf(mg_get_context(conn));
  if (server == nullptr) return 0;
  try {
    return server->serve(conn, info->request_method, info->local_uri);
  } catch (...) {
    return 0;  // std::string allocation failure: let civetweb answer
  }
}

int MetricsServer::serve(mg_connection* conn, const char* method,
                         const std::string& path) noexcept {
  HttpTextHandler handler;
  {
    std::shared_lock lock(handlersMutex_);
    auto it = handlers_.find(path);
    if (it == handlers_.end()) return 0;
    handler = it->second;
  }
  std::string_view m = method != nullptr ? method : "";
  HttpTextReply reply;
  if (m != "GET" && m != "HEAD") {
    reply = {405, "method not allowed\n"};
  } else {
    try {
      reply = handler();
    } catch (const std::exception& e) {
      reply = {500, std::string("handler failed: ") + e.what() + "\n"};
    } catch (...) {
      reply = {500, "handler failed\n"};
    }
  }
  try {
    send(conn, reply, m != "HEAD");
  } catch (...) {
    return 500;
  }
  return reply.status;
}

}  // namespace strata::observe
