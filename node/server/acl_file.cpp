// Acl::loadFile / saveFile (acl.h): the aclfile of ACL LOAD, ACL SAVE and start-up, in Redis's
// format: one `user <name> <rule> ...` line per user ('#' comments and blank lines skipped).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "node/server/acl.h"

namespace strata::node {

std::optional<std::string> Acl::loadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return "ERR Error loading ACLs, opening file '" + path + "': No such file or directory";
  }
  // Everything is applied to a fresh registry first: one bad line changes nothing.
  Acl fresh(commands_);
  fresh.users_.clear();
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::vector<std::string> parts;
    for (std::string w; words >> w;) parts.push_back(std::move(w));
    if (parts.empty() || parts[0][0] == '#') continue;
    const std::string where = path + ":" + std::to_string(lineNo) + ": ";
    if (parts[0] != "user" || parts.size() < 2) {
      return "ERR " + where + "should start with user keyword";
    }
    if (fresh.users_.count(parts[1])) {
      return "ERR " + where + "Duplicate user '" + parts[1] + "' found";
    }
    std::vector<std::string_view> rules(parts.begin() + 2, parts.end());
    if (auto error = fresh.setUser(parts[1], rules)) {
      return "ERR " + where + error->substr(4);  // without its own "ERR "
    }
  }
  // The default user keeps its object (clients share it): it takes the file's rules, or its
  // initial ones when the file has none.
  auto fileDefault = fresh.find("default");
  AclUser next = fileDefault ? *fileDefault : *Acl(commands_).default_;
  *default_ = std::move(next);
  fresh.users_.erase("default");
  users_ = std::move(fresh.users_);
  users_.emplace("default", default_);
  return std::nullopt;
}

std::optional<std::string> Acl::saveFile(const std::string& path) const {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [name, u] : users_) out << describe(*u) << '\n';
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return "ERR There was an error trying to save the ACLs. Please check the server logs for "
             "more information";
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "ERR There was an error trying to save the ACLs. Please check the server logs for "
           "more information";
  }
  return std::nullopt;
}

}  // namespace strata::node
