// mmcheck: the command-line front end. Dispatches to one file per subcommand; every error of
// the user's making ends here as one "mmcheck: ..." line and exit 2.
#include "cli/commands.hpp"
#include "cli/usage_error.hpp"
#include "litmus/diag.hpp"
#include "sim/exit_codes.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

int dispatch(const std::vector<std::string>& words)
{
	using namespace cli;
	if (words.empty()) {
		std::fputs(help_text().c_str(), stderr);
		return sim::kExitBadInput;
	}
	const std::string& cmd = words.front();
	std::span<const std::string> rest = std::span(words).subspan(1);
	for (const std::string& w : rest) {
		if (w == "--help" || w == "-h") {
			std::fputs(help_text().c_str(), stdout);
			return sim::kExitOk;
		}
	}
	if (cmd == "--help" || cmd == "-h" || cmd == "help") {
		std::fputs(help_text().c_str(), stdout);
		return sim::kExitOk;
	}
	if (cmd == "--version" || cmd == "version") {
		std::printf("%s\n", version_text().c_str());
		return sim::kExitOk;
	}
	if (cmd == "run")
		return cmd_run(rest, RunMode::run);
	if (cmd == "explore")
		return cmd_run(rest, RunMode::explore);
	if (cmd == "judge")
		return cmd_judge(rest);
	if (cmd == "replay")
		return cmd_replay(rest);
	if (cmd == "list")
		return cmd_list(rest);
	throw UsageError("unknown command '" + cmd +
	                 "' (expected run, explore, judge, replay or list; see mmcheck --help)");
}

} // namespace

int main(int argc, char** argv)
{
	std::vector<std::string> words(argv + 1, argv + argc);
	try {
		return dispatch(words);
	} catch (const litmus::Error& e) {
		// A bad scenario: the diagnostic alone, file:line:col first, as compilers print.
		std::fprintf(stderr, "%s\n", e.what());
		return sim::kExitBadInput;
	} catch (const cli::UsageError& e) {
		std::fprintf(stderr, "mmcheck: %s\n", e.what());
		return sim::kExitBadInput;
	} catch (const std::invalid_argument& e) {
		// Raised below the CLI for input it could not check itself (a strategy knob, a
		// replay token that does not fit the program).
		std::fprintf(stderr, "mmcheck: %s\n", e.what());
		return sim::kExitBadInput;
	}
}
