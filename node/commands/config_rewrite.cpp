// CONFIG REWRITE as redis-server 7.0: the node's TOML config file (the one given at start-up)
// rewritten with the current value of every option already in it and of every option that
// differs from its default (server/config_rewrite.h), atomically. Without a config file:
// "ERR The server is running without a config file". ACL users (without an aclfile) are
// written as `user` lines, as Redis does.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "node/commands/handlers.h"
#include "node/server/acl.h"
#include "node/server/config_rewrite.h"
#include "node/server/server.h"
#include "node/settings_schema.h"

namespace strata::node::cmd {

void configRewrite(CommandContext& ctx) {
  const std::string& path = configFilePath();
  if (path.empty()) {
    ctx.w.error("ERR The server is running without a config file");
    return;
  }
  std::string original;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      original = ss.str();
    } else if (errno != ENOENT) {
      ctx.w.error(std::string("ERR Rewriting config file: ") + std::strerror(errno));
      return;
    }
  }
  std::vector<RewriteValue> values;
  NodeSettings& settings = ctx.server.settings();
  // As Redis (rewriteConfigUserOption): without an aclfile the current ACL users are written as
  // `user` lines, the default user included.
  if (settings.aclfile.empty()) {
    settings.users.clear();
    for (const auto& [name, user] : ctx.server.acl().users()) {
      settings.users.push_back(ctx.server.acl().describe(*user).substr(5));  // without "user "
    }
  }
  for (const config::Option& o : nodeSchema().options()) {
    const std::string rendered = o.render(&settings);
    values.push_back({o.name, tomlValueText(o, rendered), rendered == o.default_text});
  }
  if (auto error = writeFileAtomically(path, rewriteTomlConfig(original, values))) {
    spdlog::warn("CONFIG REWRITE failed: {}", *error);
    ctx.w.error("ERR Rewriting config file: " + *error);
    return;
  }
  spdlog::info("CONFIG REWRITE executed with success.");
  ctx.w.ok();
}

}  // namespace strata::node::cmd
