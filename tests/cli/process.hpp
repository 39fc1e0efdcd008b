// Runs the built mmcheck binary as a child process (through the shell, for environment
// assignments and 2>&1) and captures what it printed and how it exited.
#pragma once

#include <array>
#include <cstdio>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace test_support {

struct ProcessResult {
	int exit_code = -1; // -1: did not exit normally
	std::string out;    // stdout
	std::string err;    // stderr
};

// `env` is prepended as shell assignments ("MMCHECK_SEED=3"); `args` is shell text.
inline ProcessResult run_mmcheck(const std::string& args, const std::string& env = "")
{
	static int serial = 0;
	std::string err_file = std::string(testing::TempDir()) + "mmcheck_stderr_" +
	                       std::to_string(::getpid()) + "_" + std::to_string(serial++);
	std::string cmd = env + " " MMCHECK_BINARY " " + args + " 2>" + err_file;
	ProcessResult r;
	FILE* p = ::popen(cmd.c_str(), "r");
	if (!p)
		return r;
	std::array<char, 4096> buf;
	std::size_t n;
	while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
		r.out.append(buf.data(), n);
	int status = ::pclose(p);
	if (WIFEXITED(status))
		r.exit_code = WEXITSTATUS(status);
	if (FILE* f = std::fopen(err_file.c_str(), "r")) {
		while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0)
			r.err.append(buf.data(), n);
		std::fclose(f);
		std::remove(err_file.c_str());
	}
	return r;
}

// The command after the first "Replay: mmcheck ", or empty.
inline std::string replay_line(const std::string& out)
{
	const std::string mark = "Replay: mmcheck ";
	std::size_t at = out.find(mark);
	if (at == std::string::npos)
		return "";
	at += mark.size();
	return out.substr(at, out.find('\n', at) - at);
}

inline bool has(const std::string& s, const std::string& part)
{
	return s.find(part) != std::string::npos;
}

#ifdef MMCHECK_SOURCE_DIR
// Shell prefix that runs mmcheck from the source tree, as a user would.
inline const std::string kInSource = "cd " MMCHECK_SOURCE_DIR " &&";
#endif
// The self-test scenario the CLI tests run (a mutant that skips a CPU in the TLB flush).
inline const std::string kFlush = "scenarios/selftest/flush_tlb_mm_range-vs-tlb_lookup.litmus";

} // namespace test_support
