// The seed-race programs of issue #5 as MmSpecs, shared by the tests and the benchmarks (until
// they are .litmus files): seed 000 (PMD sharing vs teardown), its trylock-RFC retry chain,
// seed 002 (an unlocked walker vs unshare and free), the 2021 unshare flush.
//
//   A: [4 GiB, 5 GiB) and B: [8 GiB, 9 GiB), MAP_SHARED|MAP_NORESERVE of one 1 GiB hugetlbfs
//   file F: whole PUD ranges with equal flags, so their PMD tables can be shared.
#pragma once

#include "mm_harness.hpp"
#include "mm/hugetlb.hpp"
#include "sim/verify.hpp"

#include <initializer_list>

namespace mmtest {

inline constexpr unsigned long GIB = 1ul << 30;
inline constexpr unsigned long SEED_XA = 4 * GIB;
inline constexpr unsigned long SEED_XB = 8 * GIB;
inline constexpr int NORESERVE_SHARED = mm::MAP_SHARED | mm::MAP_NORESERVE | mm::MAP_FIXED;
inline constexpr int PUNCH = mm::FALLOC_FL_PUNCH_HOLE | mm::FALLOC_FL_KEEP_SIZE;

// A Config with room for `huge_pages` huge pages besides page tables.
inline mm::Config hugetlb_config(int huge_pages)
{
	mm::Config c;
	c.nr_frames = static_cast<std::size_t>(huge_pages + 2) * 512 + 512;
	return c;
}

// Switches by name; false if one is unknown.
inline bool set_switches(mm::Config& c, std::initializer_list<const char*> on,
			 std::initializer_list<const char*> off)
{
	bool ok = true;
	for (const char* n : on)
		ok = c.fixes.set(n, true) && ok;
	for (const char* n : off)
		ok = c.fixes.set(n, false) && ok;
	return ok;
}

// A and B map F; B has faulted page 0 (B's PMD table P). With `shared`, A has faulted page 0
// too and shares P. The invariants run once at the end of the setup, not after each of its
// steps (the setup is the same in every schedule).
inline void seed_setup(check::World& w, Ctx& c, bool shared)
{
	w.set_check_quiescent(false);
	w.set_nr_hugepages(2);
	c.procs["A"] = w.create_process("A");
	c.procs["B"] = w.create_process("B");
	mm::file* f = w.hugetlbfs_create("F", GIB);
	w.mmap(c.proc("A"), SEED_XA, GIB, mm::PROT_READ | mm::PROT_WRITE, NORESERVE_SHARED, f);
	w.mmap(c.proc("B"), SEED_XB, GIB, mm::PROT_READ | mm::PROT_WRITE, NORESERVE_SHARED, f);
	w.store(c.proc("B"), SEED_XB, 1);
	if (shared)
		w.load(c.proc("A"), SEED_XA);
	w.set_check_quiescent(true);
}

enum class Teardown { munmap, exit };

// Seed 000: P0: A faults page 1 (and reads page 0); P1: B munmaps its VMA or exits.
inline MmSpec seed000(const char* title, Teardown how, std::initializer_list<const char*> on,
		      std::initializer_list<const char*> off = {})
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(2);
	MMCHECK_VERIFY(set_switches(s.cfg, on, off), "unknown switch");
	s.init = [](check::World& w, Ctx& c) { seed_setup(w, c, false); };
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), SEED_XA + mm::HPAGE_SIZE, 2);
		w.load(c.proc("A"), SEED_XA);
	});
	s.cpus.push_back([how](check::World& w, Ctx& c) {
		if (how == Teardown::munmap)
			w.munmap(c.proc("B"), SEED_XB, GIB);
		else
			w.exit(c.proc("B"));
	});
	return s;
}

// Mel Gorman's trylock RFC, retry chain: P0: A faults page 0 (fault mutex held while it
// retries the trylock of B's mmap_lock); P1: B mmaps F again (mmap_lock write, then F's i_rwsem);
// P2: a hole punch of page 0 (i_rwsem, then page 0's fault mutex).
inline MmSpec seed000_trylock_retry(bool proposal)
{
	MmSpec s;
	s.title = "seed000-trylock-retry";
	s.cfg = hugetlb_config(2);
	s.cfg.fixes.set("hugetlb_pmd_share_trylock", proposal);
	s.init = [](check::World& w, Ctx& c) { seed_setup(w, c, false); };
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), SEED_XA, 2); });
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.mmap(c.proc("B"), 16 * GIB, mm::HPAGE_SIZE, mm::PROT_READ | mm::PROT_WRITE,
		       NORESERVE_SHARED, w.kernel().find_file("F"));
	});
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH, 0, mm::HPAGE_SIZE);
	});
	return s;
}

// Seed 002: A and B share P. P0: A faults page 1 (its walk lands in P); P1: a hole punch of
// page 2 (unshares A: hugetlb_vmdelete_list() unmaps the punched range of every VMA, and an unmap
// inside a shareable PUD range unshares; page 2 has no page, which keeps the exhaustive run
// small); P2: B munmaps (the last sharer frees P).
inline MmSpec seed002(const char* title, std::initializer_list<const char*> on,
		      std::initializer_list<const char*> off = {})
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(2);
	MMCHECK_VERIFY(set_switches(s.cfg, on, off), "unknown switch");
	s.init = [](check::World& w, Ctx& c) { seed_setup(w, c, true); };
	s.cpus.push_back([](check::World& w, Ctx& c) { w.load(c.proc("A"), SEED_XA + mm::HPAGE_SIZE); });
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH, 2 * mm::HPAGE_SIZE, mm::HPAGE_SIZE);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.munmap(c.proc("B"), SEED_XB, GIB); });
	return s;
}

// The 2021 flush after huge_pmd_unshare(): A and B share P. P0: A reads page 0 twice (its TLB
// caches it); P1: a hole punch of page 1 unshares A.
inline MmSpec unshare_flush(const char* title, bool fix)
{
	MmSpec s;
	s.title = title;
	s.cfg = hugetlb_config(2);
	s.cfg.fixes.set("hugetlb_unshare_flush", fix);
	s.init = [](check::World& w, Ctx& c) { seed_setup(w, c, true); };
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.load(c.proc("A"), SEED_XA);
		w.load(c.proc("A"), SEED_XA);
	});
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH, mm::HPAGE_SIZE, mm::HPAGE_SIZE);
	});
	return s;
}

} // namespace mmtest
