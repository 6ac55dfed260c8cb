// One client connection of the node, Redis-style:
//
//   socket ──read──> in_ ──RequestParser──> Server::execute() ──Writer──> out_
//                                                                          │ beforeSleep flush
//   socket <──write────────────────────────────────────────────────────────┘ (EV_WRITE if short)
//
// Every complete request in the input is executed in order (pipelining); replies accumulate in
// out_ and go out once per loop round (Server::beforeSleep), or when the socket becomes writable
// again. Enforces client-query-buffer-limit on input and client-output-buffer-limit (normal
// class) on output. Plain or TLS (net::Stream): a TLS read that needs the socket writable arms
// EV_WRITE, a write that needs it readable waits for EV_READ (always armed), and decrypted bytes
// the socket no longer signals are read in the same round. Owned by the Server; freed by it
// after close(). Event-loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/net/handles.h"
#include "common/net/io_buffer.h"
#include "common/net/stream.h"
#include "common/resp/request_parser.h"
#include "common/resp/writer.h"
#include "node/server/tracking.h"
#include "node/server/txpubsub.h"

namespace strata::node {

class Server;
struct AclUser;

class Client {
 public:
  // With `ssl` (a server-side session of the TLS listener) the client speaks TLS: the handshake
  // runs inside the first reads and writes.
  Client(Server& server, net::UniqueFd fd, uint64_t id, std::string peer, std::string local,
         net::SslPtr ssl = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Writes pending output; arms EV_WRITE if the socket is full. Closes on error.
  void flush();
  // Marks the client closed (the Server frees it in beforeSleep); stops all I/O.
  void close(std::string_view why);
  // Closes once every reply queued so far has been written (QUIT, protocol errors).
  void closeAfterReply() { closeAfterReply_ = true; }
  bool closed() const { return closed_; }
  bool hasPendingOutput() const { return out_.size() > outSent_; }
  size_t pendingOutput() const { return out_.size() - outSent_; }
  // Checks client-output-buffer-limit after a reply was added; closes the client if exceeded.
  void checkOutputLimits(int64_t nowMs);

  resp::Writer& writer() { return writer_; }
  std::string& out() { return out_; }
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  const std::string& local() const { return local_; }
  int fd() const { return stream_->fd(); }
  bool isTls() const { return stream_->isTls(); }

  // Connection state read and changed by commands.
  std::string name;
  bool authenticated = false;
  // The ACL user the client runs as (server/acl.h): "default" until AUTH / HELLO AUTH. Shared
  // with the Acl registry: ACL SETUSER changes apply to connected clients at once.
  std::shared_ptr<AclUser> user;
  std::string_view lastCommand = "NULL";  // a CommandDef name: the table is immutable
  int64_t createdMs = 0;
  int64_t lastInteractionMs = 0;
  bool inPendingList = false;
  // Cluster mode: ASKING (for the next command only) and READONLY (reads on a replica).
  struct ClusterFlags {
    bool asking = false;
    bool readonly = false;
  };
  ClusterFlags cluster;
  bool monitor = false;  // MONITOR (server/monitor.cpp): CLIENT LIST flag O

  // Blocking list pops (see blocking.cpp): the parked command, its keys and deadline (ms, 0 =
  // none). While blocked the client executes nothing else from its pipeline.
  struct BlockState {
    bool blocked = false;
    std::vector<std::string> argv;
    std::vector<std::string> keys;
    int64_t deadline = 0;
  };
  BlockState block;
  // Set while the server re-runs the parked command; the command sets stillBlocked if it still
  // finds nothing to pop.
  bool reprocessing = false;
  bool stillBlocked = false;
  // A failed AUTH is answered after auth-failure-delay-ms (server/auth_guard.h): while held the
  // client's output is not written and nothing more of its pipeline runs.
  bool authHeld = false;
  // MULTI/WATCH, subscriptions, CLIENT REPLY/PAUSE/NO-EVICT state (server/txpubsub.h).
  ClientSession session;
  // CLIENT TRACKING state (server/tracking.h).
  ClientTracking tracking;
  // While a script is busy (node/scripting/busy.cpp, which defines it): reads what is pending
  // on the socket, runs it (Server::execute answers -BUSY to most commands) and writes the
  // replies at once.
  void serveWhileBusy();
  // Continues with the pipeline after being unblocked.
  void resume() { processInput(); }

  void setProtocol(resp::Protocol p) { writer_.setProtocol(p); }
  resp::Protocol protocol() const { return writer_.protocol(); }
  void setAuthenticated(bool yes) {
    authenticated = yes;
    parser_.setAuthenticated(yes);
  }
  size_t queryBufferSize() const { return in_.size(); }
  // `CLIENT LIST` / `CLIENT INFO` line (without the trailing newline).
  std::string infoLine(int64_t nowMs) const;

 private:
  void onEvent(evutil_socket_t fd, short what);
  void onReadable();
  void processInput();
  void armWrite(bool on);

  Server& server_;
  std::unique_ptr<net::Stream> stream_;
  net::EventPtr readEvent_;
  net::EventPtr writeEvent_;
  bool writeArmed_ = false;
  uint64_t id_;
  std::string peer_;
  std::string local_;
  net::IoBuffer in_;
  resp::RequestParser parser_;
  std::string out_;
  size_t outSent_ = 0;
  resp::Writer writer_;
  bool closed_ = false;
  bool closeAfterReply_ = false;
  int64_t softLimitSinceMs_ = 0;  // when the soft output limit was first exceeded (0: not)
};

}  // namespace strata::node
