// Kernel function names on the model's call stack, so traces print "huge_pmd_share" rather
// than C++ frames. Frames are an intrusive list threaded through the task's own stack.
#pragma once

namespace sim {

struct Frame {
	const char* name;
	Frame* up;
	explicit Frame(const char* n);
	~Frame();
	Frame(const Frame&) = delete;
	Frame& operator=(const Frame&) = delete;
};

} // namespace sim

#define SIM_CAT2(a, b) a##b
#define SIM_CAT(a, b) SIM_CAT2(a, b)
// MM_FRAME("huge_pmd_share"): the enclosing scope is that kernel function in traces.
#define MM_FRAME(name) ::sim::Frame SIM_CAT(sim_frame_, __LINE__)(name)
