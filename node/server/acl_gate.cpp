// Server::aclGate: the ACL admission check of execute() (processCommand's ACLCheckAllPerm), for
// clients whose user is not unrestricted: -NOPERM with redis-server 7.0's texts, an ACL LOG entry
// (context "toplevel", or "multi" when queueing); and Server::configureAclUsers, the `user` lines
// and aclfile applied at start. The rules themselves are in acl.h.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "common/config/value_parsers.h"
#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

bool Server::configureAclUsers() {
  if (!settings_.users.empty() && !settings_.aclfile.empty()) {
    spdlog::error(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.");
    return false;
  }
  for (const std::string& line : settings_.users) {
    // Split as redis.conf's lines are (sdssplitargs): quotes allow spaces in a password.
    std::vector<std::string> words;
    if (config::Status st = config::splitArgs(line, words); !st.isOk()) {
      spdlog::error("Error in user declaration '{}': {}", line, st.message());
      return false;
    }
    if (words.empty()) continue;
    if (aclHasSpaces(words[0])) {
      spdlog::error("Spaces not allowed in ACL usernames");
      spdlog::error("Critical error while loading ACLs. Exiting.");
      return false;
    }
    const std::vector<std::string_view> rules(words.begin() + 1, words.end());
    if (auto error = acl_->setUser(words[0], rules)) {
      spdlog::error("Error in user declaration '{}': {}", words[0], error->substr(4));
      return false;
    }
  }
  if (!settings_.aclfile.empty()) {
    if (auto error = acl_->loadFile(settings_.aclfile)) {
      spdlog::error("Aborting Redis startup because of ACL errors: {}", error->substr(4));
      return false;
    }
  }
  return true;
}

bool Server::aclGate(Client& client, const CommandDef& def,
                     const std::vector<std::string_view>& argv) {
  size_t pos = 0;
  const Acl::Verdict v = acl_->check(*client.user, def, argv, pos);
  if (v == Acl::Verdict::kOk) return true;
  acl_->log(Acl::reasonName(v), client.session.multi ? "multi" : "toplevel",
            v == Acl::Verdict::kCommand ? def.name : argv[pos], client.user->name,
            client.infoLine(nowCachedMs_), nowCachedMs_,
            static_cast<size_t>(settings_.acllogMaxLen));
  switch (v) {
    case Acl::Verdict::kCommand:
      client.writer().error("NOPERM this user has no permissions to run the '" +
                            std::string(def.name) + "' command");
      break;
    case Acl::Verdict::kKey:
      client.writer().error(
          "NOPERM this user has no permissions to access one of the keys used as arguments");
      break;
    default:
      client.writer().error(
          "NOPERM this user has no permissions to access one of the channels used as arguments");
      break;
  }
  return false;
}

}  // namespace strata::node
