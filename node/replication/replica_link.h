// A replica's link to its master (Redis's server.master + the replica half of replication.c):
//
//   kConnect ─connect()─> kConnecting ─writable─> kHandshake: PING, [AUTH], REPLCONF
//   listening-port [ip-address], REPLCONF capa eof capa psync2, PSYNC <replid> <offset+1>
//     ├─ +FULLRESYNC <id> <off> ─> kTransfer: "$EOF:<mark>", FLUSHALL, the snapshot's commands
//     │                              applied as they arrive, up to <mark> ─> kConnected
//     └─ +CONTINUE [<id>] ─────────────────────────────────────────────────> kConnected
//   kConnected: every command of the stream is applied through Server::call() as the master
//   client (no reply kept, no read-only or cluster check), its bytes counted in the offset and
//   fed to our own backlog and replicas. REPLCONF GETACK and every second: REPLCONF ACK <off>.
//   Any error or repl-timeout of silence: back to kConnect, retried every second.
//   With tls-replication yes the link is a TLS net::Stream (Server::tls()'s client context); its
//   handshake runs inside the first writes and reads of the PSYNC handshake.
//
// The master client is a real Client (so handlers get one) over one end of a socketpair nobody
// writes to; its replies are dropped after each command. Owned by Replication; event-loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/handles.h"
#include "common/net/io_buffer.h"
#include "common/net/stream.h"
#include "common/resp/request_parser.h"

namespace strata::node {

class Replication;
class Client;

class MasterLink {
 public:
  MasterLink(Replication& repl, std::string host, int port);
  ~MasterLink();
  MasterLink(const MasterLink&) = delete;
  MasterLink& operator=(const MasterLink&) = delete;

  // Replication's cron (every 100 ms): connect/retry, ACK every second, repl-timeout.
  void cron(int64_t nowMs);

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  bool up() const { return state_ == State::kConnected; }
  bool loading() const { return state_ == State::kTransfer; }
  // The link state as ROLE names it: connect, connecting, handshake, sync, connected.
  std::string_view roleState() const;
  int64_t lastIoMs() const { return lastIoMs_; }
  int64_t downSinceMs() const { return downSinceMs_; }
  const Client* masterClient() const { return client_; }

 private:
  enum class State { kConnect, kConnecting, kHandshake, kTransfer, kConnected };
  enum class Step { kPing, kAuth, kPort, kIp, kCapa, kPsync };

  void connect(int64_t nowMs);
  void onEvent(evutil_socket_t fd, short what);
  void onConnected();
  void onReadable();
  void readSome();
  void setWriteArmed(bool on);
  void process();
  bool handshakeReply(std::string_view line);
  bool transfer();
  bool stream();
  // Runs one command of the master's stream; false on a command we cannot run (logged).
  void apply(const std::vector<std::string_view>& argv);
  void sendCommand(std::initializer_list<std::string_view> argv);
  void send(std::string_view bytes);
  void flushOut();
  void fail(std::string_view why);
  void closeSocket();

  Replication& repl_;
  std::string host_;
  int port_;
  State state_ = State::kConnect;
  Step step_ = Step::kPing;
  std::unique_ptr<net::Stream> stream_;  // plain, or TLS with tls-replication yes
  net::EventPtr readEvent_, writeEvent_;
  bool writeArmed_ = false;
  net::IoBuffer in_;
  std::string out_;
  size_t outSent_ = 0;
  resp::RequestParser parser_;
  std::string mark_;      // the EOF mark of the transfer in progress ("" until its header)
  bool flushed_ = false;  // FLUSHALL done for this transfer
  int64_t lastIoMs_ = 0;
  int64_t lastAttemptMs_ = 0;
  int64_t lastAckMs_ = 0;
  int64_t downSinceMs_ = 0;
  // The master client: a Client over one end of a socketpair (the other end kept here).
  Client* client_ = nullptr;
  net::UniqueFd peerEnd_;
};

}  // namespace strata::node
