// Process exit codes, named once (GenMC style). ARCHITECTURE.md: cli/.
#pragma once

namespace sim {

enum ExitCode : int {
	kExitOk = 0,          // every expectation holds
	kExitFinding = 1,     // an expectation failed (a violation found where forbidden, or not found where required)
	kExitBadInput = 2,    // malformed scenario, bad flag, missing file, bad replay token
	kExitInternal = 3,    // an mmcheck bug (MMCHECK_VERIFY)
};

} // namespace sim
