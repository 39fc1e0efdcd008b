// The seed-004 programs (issue #8) as MmSpecs, shared by the tests and the benchmarks; the same
// races as scenarios/seeds/memory-failure/soft_offline_page-vs-hugetlb_fault{,+reserved}.
//
//   pool: one huge page H. F: a 2 MiB hugetlbfs file. A at 1 GiB, B at 2 GiB map F shared.
//   killed:   MAP_NORESERVE. P0: soft offline of H   P1: A stores   P2: B loads
//   reserved: A's mapping reserves H.   P0: soft offline of H   P1: A stores, loads
#pragma once

#include "hugetlb_seeds.hpp"
#include "mm/memory_failure.hpp"

namespace mmtest {

inline constexpr unsigned long MF_XA = 1ul << 30;
inline constexpr unsigned long MF_XB = 2ul << 30;

// A world with one free huge page (named "H" in ctx.addrs by its pfn) and F mapped by A (and B).
inline void mf_setup(check::World& w, Ctx& c, bool reserve, bool with_b)
{
	w.set_check_quiescent(false);
	w.set_nr_hugepages(1);
	c.procs["A"] = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", mm::HPAGE_SIZE);
	int flags = mm::MAP_SHARED | mm::MAP_FIXED | (reserve ? 0 : mm::MAP_NORESERVE);
	int rw = mm::PROT_READ | mm::PROT_WRITE;
	w.mmap(c.proc("A"), MF_XA, mm::HPAGE_SIZE, rw, flags, f);
	if (with_b) {
		c.procs["B"] = w.create_process("B");
		w.mmap(c.proc("B"), MF_XB, mm::HPAGE_SIZE, rw, flags, f);
	}
	c.addrs["H"] = w.next_free_hugepage()->pfn;
	w.set_check_quiescent(true);
}

// Flow 1 of the thread: a process faulting a just-allocated page gets SIGBUS.
inline MmSpec seed004_killed(const char* title, std::initializer_list<const char*> on,
			     std::initializer_list<const char*> off = {})
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(3);
	MMCHECK_VERIFY(set_switches(s.cfg, on, off), "unknown switch");
	s.init = [](check::World& w, Ctx& c) { mf_setup(w, c, false, true); };
	s.cpus.push_back([](check::World& w, Ctx& c) { w.soft_offline(c.addrs.at("H")); });
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), MF_XA, 1); });
	s.cpus.push_back([](check::World& w, Ctx& c) { w.load(c.proc("B"), MF_XB); });
	return s;
}

// Flow 2 of the thread: a fault in a reserved range fails.
inline MmSpec seed004_reserved(const char* title, std::initializer_list<const char*> on,
			       std::initializer_list<const char*> off = {})
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(3);
	MMCHECK_VERIFY(set_switches(s.cfg, on, off), "unknown switch");
	s.init = [](check::World& w, Ctx& c) { mf_setup(w, c, true, false); };
	s.cpus.push_back([](check::World& w, Ctx& c) { w.soft_offline(c.addrs.at("H")); });
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), MF_XA, 1);
		w.load(c.proc("A"), MF_XA);
	});
	return s;
}

} // namespace mmtest
