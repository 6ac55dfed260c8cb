// Server::aclGate: the ACL admission check of execute() (processCommand's ACLCheckAllPerm), for
// clients whose user is not unrestricted: -NOPERM with redis-server 7.0's texts, an ACL LOG entry
// (context "toplevel", or "multi" when queueing). The rules themselves are in acl.h.
#include <string>

#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

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
