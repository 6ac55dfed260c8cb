// ACL users as redis-server 7.0's acl.c: the user registry (`Acl`), the rules of ACL SETUSER
// (on/off, passwords, +cmd / -cmd / +cmd|sub / +@category, key patterns ~ %R~ %W~ %RW~,
// channel patterns &, allkeys / allchannels / allcommands, reset, selectors `(...)`...), their
// description (ACL LIST / GETUSER) and the permission check of one command (command bit, keys
// with their RW flags from command_keys.h's keysWithSpecs, pub/sub channels; the user's root
// selector, then each `(...)` selector).
//
//   AUTH / HELLO AUTH ──> Acl::authenticate ──> Client::user (shared: SETUSER applies at once)
//   Server::execute ──user->unrestricted?──no──> Server::aclGate ──> Acl::check ──> -NOPERM
//
// Categories come from the command table (CommandDef::aclCategoryBits). A user with
// allcommands + allkeys + allchannels (the default user) is `unrestricted`: the dispatch path
// tests that one flag. Owned by the Server; event-loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/server/command_keys.h"
#include "node/server/command_table.h"

namespace strata::node {

// Redis 7.0's categories, in ACLCommandCategories order (ACL CAT, GETUSER's best fit); bit i of
// CommandDef::aclCategoryBits is kAclCategories[i].
inline constexpr std::string_view kAclCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

// The bit of a category name ("read", without '@'); 0 if unknown.
uint32_t aclCategoryBit(std::string_view name);

// Redis's ACLStringHasSpaces: a whitespace or NUL byte, refused in user names and patterns.
bool aclHasSpaces(std::string_view text);

struct AclKeyPattern {
  static constexpr uint8_t kRead = kKeyRead, kWrite = kKeyWrite, kAll = kRead | kWrite;
  std::string pattern;
  uint8_t flags = kAll;
};

// Redis 7.0's aclSelector: commands, key patterns and channels. A user's own permissions are its
// root selector (AclUser derives from it); `(...)` rules add further selectors.
struct AclSelector {
  // Commands: a bit per CommandDef::aclId; allCommands (Redis's SELECTOR_FLAG_ALLCOMMANDS) until a
  // command is removed; futureCommands: the last of +@all / -@all was +@all (its reserved bit).
  std::vector<bool> allowed;
  bool allCommands = false, futureCommands = false;
  std::map<uint16_t, std::vector<std::string>> firstArgs;  // +select|0: allowed first arguments
  bool allKeys = false;
  std::vector<AclKeyPattern> keys;
  bool allChannels = false;
  std::vector<std::string> channels;
};

struct AclUser : AclSelector {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  bool sanitizePayload = false, skipSanitizePayload = false;
  std::vector<std::string> passwords;  // SHA-256, lower-case hex, in the order added
  std::vector<AclSelector> selectors;  // the `(...)` selectors, in the order added
  // The root or a selector has allcommands + allkeys + allchannels: nothing to check per command.
  bool unrestricted = false;
};

// One ACL LOG entry (Redis 7.0's fields); similar denials within 60 s are counted in one.
struct AclLogEntry {
  uint64_t count = 1;
  std::string reason;   // command, key, channel, auth
  std::string context;  // toplevel, multi, lua
  std::string object;   // the command, key or channel; AUTH
  std::string username;
  int64_t createdMs = 0;
  std::string clientInfo;  // CLIENT INFO's line of the client
};

class Acl {
 public:
  enum class Verdict : uint8_t { kOk, kCommand, kKey, kChannel };

  explicit Acl(const CommandTable& commands);

  // The user named `name` (case-sensitive), or null.
  std::shared_ptr<AclUser> find(std::string_view name) const;
  const std::shared_ptr<AclUser>& defaultUser() const { return default_; }
  const std::map<std::string, std::shared_ptr<AclUser>, std::less<>>& users() const {
    return users_;
  }

  // ACL SETUSER: applies `rules` to a copy of the user (created if missing) and, if every rule
  // is valid, to the user itself. On error: Redis's message ("Error in ACL SETUSER modifier
  // '<rule>': <reason>") and nothing changed.
  std::optional<std::string> setUser(std::string_view name,
                                     const std::vector<std::string_view>& rules);
  // Removes a user (not "default"); false if there is none. The caller disconnects its clients.
  bool deleteUser(std::string_view name);
  // requirepass / CONFIG SET requirepass: the default user's password (empty: nopass).
  void setDefaultPassword(std::string_view password);

  // The user if it is enabled and `password` is one of its passwords (or it is nopass).
  std::shared_ptr<AclUser> authenticate(std::string_view name, std::string_view password) const;

  // Whether `user` may run `def` with `argv`: its root selector or one of its selectors allows
  // the command, its keys and its channels (ACLCheckAllUserCommandPerm). On a refusal
  // `errorPos` is the argument refused (the key or channel; 0 for the command): as 7.0, the
  // refusal of the highest kind (channel > key > command) at the largest position.
  Verdict check(const AclUser& user, const CommandDef& def,
                const std::vector<std::string_view>& argv, size_t& errorPos) const;

  // Whether one of the user's selectors lets it use `channel` (a PSUBSCRIBE pattern: only if it
  // equals a pattern of the selector).
  static bool channelAllowed(const AclUser& user, std::string_view channel, bool pattern);
  static bool channelAllowed(const AclSelector& selector, std::string_view channel, bool pattern);

  // ACL LIST's line ("user <name> on #<hash> ~* &* +@all") and GETUSER's parts.
  std::string describe(const AclUser& user) const;
  std::string describeCommands(const AclSelector& selector) const;
  static std::string describeKeys(const AclSelector& selector);
  static std::string describeChannels(const AclSelector& selector);
  // ACLDescribeSelector: "~b* resetchannels -@all +set" (a `(...)` selector's text in ACL LIST).
  std::string describeSelector(const AclSelector& selector) const;

  // ACLMergeSelectorArguments: a selector spanning several arguments ("(~x*" "+get)") becomes
  // one ("(~x* +get)"); false if a '(' argument is never closed (`unmatched`: its index).
  static bool mergeSelectorArguments(const std::vector<std::string_view>& args,
                                     std::vector<std::string>& merged, size_t& unmatched);

  // aclfile (acl_file.cpp): ACL LOAD replaces every user with the file's `user <name> <rules>`
  // lines (all or nothing; the default user, if the file lacks it, gets its initial rules);
  // ACL SAVE writes ACL LIST's lines (temp file + rename). On error: Redis-style message.
  std::optional<std::string> loadFile(const std::string& path);
  std::optional<std::string> saveFile(const std::string& path) const;

  // ACL LOG: records a denial (newest first, at most `maxLen` entries); the entries; RESET.
  void log(std::string_view reason, std::string_view context, std::string_view object,
           std::string_view username, std::string clientInfo, int64_t nowMs, size_t maxLen);
  const std::deque<AclLogEntry>& logEntries() const { return log_; }
  void resetLog() { log_.clear(); }
  // Redis's names of a refusal: "command", "key", "channel".
  static std::string_view reasonName(Verdict v);

  // applyRule's reason for a command or category it does not know (Redis's ENOENT).
  static constexpr std::string_view kErrUnknownCommand = "Unknown command or category name in ACL";

  // SHA-256 of `password` as 64 lower-case hex digits (ACL's stored form).
  static std::string hashPassword(std::string_view password);

 private:
  // One rule; empty on success, else the reason (Redis's ACLSetUserStringError texts).
  std::string applyRule(AclUser& user, std::string_view rule) const;
  // A rule of a selector (keys, channels, commands; ACLSetSelector).
  std::string applySelectorRule(AclSelector& selector, std::string_view rule) const;
  std::string applyCommandRule(AclSelector& selector, std::string_view rule) const;
  void setCommand(AclSelector& selector, const CommandDef& def, bool allow) const;
  void setCategory(AclSelector& selector, uint32_t bit, bool allow) const;
  Verdict checkSelector(const AclSelector& selector, const CommandDef& def,
                        const std::vector<std::string_view>& argv, std::optional<KeyRefs>& keys,
                        size_t& errorPos) const;
  std::shared_ptr<AclUser> newUser(std::string_view name) const;

  const CommandTable& commands_;
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> users_;
  std::shared_ptr<AclUser> default_;
  std::deque<AclLogEntry> log_;
};

}  // namespace strata::node
