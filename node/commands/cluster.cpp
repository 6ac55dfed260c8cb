// Cluster commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void readonly(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void readwrite(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void asking(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterInfo(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterNodes(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterMyid(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterSlots(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterShards(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterMeet(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterAddslots(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterAddslotsrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterDelslots(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterDelslotsrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterFlushslots(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterSetConfigEpoch(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterBumpepoch(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterReplicate(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterReplicas(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterSlaves(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterForget(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterReset(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterSetslot(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterKeyslot(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterCountFailureReports(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterSaveconfig(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterLinks(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterFailover(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
