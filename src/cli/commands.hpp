// The subcommands. Each takes the words after its name and returns the exit code; bad input
// is thrown as UsageError and turned into exit 2 by main().
#pragma once

#include <span>
#include <string>

namespace cli {

// `run` stops each target at its first violation; `explore` spends the whole budget.
enum class RunMode { run, explore };

int cmd_run(std::span<const std::string> args, RunMode mode);
// `judge` checks each scenario's Result: line in every state of its Fix: switch.
int cmd_judge(std::span<const std::string> args);
int cmd_replay(std::span<const std::string> args);
int cmd_list(std::span<const std::string> args);
// Full usage text.
std::string help_text();
// "mmcheck 0.1.0".
std::string version_text();

} // namespace cli
