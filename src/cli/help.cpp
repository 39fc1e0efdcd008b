#include "cli/commands.hpp"
#include "cli/settings.hpp"

#ifndef MMCHECK_VERSION
#define MMCHECK_VERSION "unknown"
#endif

namespace cli {

std::string version_text()
{
	return std::string("mmcheck ") + MMCHECK_VERSION;
}

std::string help_text()
{
	return version_text() +
	       ": a deterministic interleaving explorer and executable model of Linux mm\n"
	       "\n"
	       "usage:\n"
	       "  mmcheck run TARGET... [OPTIONS]      explore each target, stop at its first\n"
	       "                                       violation, print herd-style verdicts\n"
	       "  mmcheck explore TARGET... [OPTIONS]  the same, but spend the whole budget\n"
	       "                                       (counts every violating schedule)\n"
	       "  mmcheck judge SCENARIO... [--traces] check each scenario's Result: line: explore\n"
	       "                                       it in every state of its Fix: switch; with\n"
	       "                                       --traces, draw each state's first violation\n"
	       "  mmcheck replay TOKEN TARGET [--full] re-run one recorded schedule, print its\n"
	       "                                       trace in CPU columns\n"
	       "  mmcheck list [DIR...]                list the scenarios (below ./scenarios or\n"
	       "                                       DIR), the demos and every fix switch\n"
	       "  mmcheck --version | --help\n"
	       "\n"
	       "targets:\n"
	       "  FILE.litmus a scenario (docs/litmus.md)\n"
	       "  DIR         every .litmus file below DIR\n"
	       "  demo:NAME   one of the substrate's demo programs (see mmcheck list)\n"
	       "  demo:all    every demo program\n"
	       "\n"
	       "A scenario's config block sets its defaults; the options below override them.\n"
	       "\n"
	       "options (each also an environment variable; the flag wins):\n" +
	       knobs_help() +
	       "\n"
	       "exit status: 0 every expectation holds, 1 an expectation failed,\n"
	       "             2 bad input or usage, 3 internal error\n";
}

} // namespace cli
