#include "cli/commands.hpp"
#include "cli/targets.hpp"
#include "cli/usage_error.hpp"
#include "report/text.hpp"

#include <cstdio>

namespace cli {

int cmd_list(std::span<const std::string> args)
{
	if (!args.empty())
		throw UsageError("list: unexpected argument '" + args.front() + "'");
	std::printf("Demo programs (run with mmcheck run demo:NAME, or demo:all):\n");
	for (const Target& t : demo_targets()) {
		std::printf("  %s %s\n  %s expect: %s\n", report::pad(t.id, 28).c_str(),
		            t.description.c_str(), std::string(28, ' ').c_str(),
		            t.expectation.c_str());
	}
	std::printf("\nFix switches: none yet (they come with the mm model).\n");
	return 0;
}

} // namespace cli
