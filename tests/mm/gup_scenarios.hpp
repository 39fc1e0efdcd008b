// The seed-001 scenarios (2014 GUP-fast thread) as MmSpecs, shared by the race tests and the
// benchmarks: GUP-fast against THP collapse, collapse+munmap, munmap, fork, and THP zaps.
#pragma once

#include "mm/mm_harness.hpp"

#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

#include <initializer_list>

namespace gup_scenarios {

using namespace mmtest;
using mm::Fix;
using mm::Proposal;
using mm::TlbFlushMode;

constexpr unsigned long X = 0x40000000; // 2 MiB aligned
constexpr unsigned PIN_W = mm::FOLL_PIN | mm::FOLL_WRITE;

inline mm::Config config(TlbFlushMode flush, std::initializer_list<Fix> off = {})
{
	mm::Config c;
	c.tlb_flush = flush;
	for (Fix f : off)
		c.fixes.set(f, false);
	return c;
}

// A's [X, X + 2 MiB) faulted as small pages with THP off, then THP switched on, so that
// khugepaged has something to collapse. Page 0 holds 1.
inline void small_pages_then_thp(check::World& w, Ctx& c)
{
	c.procs["A"] = w.create_process("A");
	w.set_thp(false);
	w.mmap(c.proc("A"), X, mm::PMD_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(c.proc("A"), X, 1);
	w.set_thp(true);
}

// A's one page at X, holding 1.
inline void one_page(check::World& w, Ctx& c)
{
	c.procs["A"] = w.create_process("A");
	w.mmap(c.proc("A"), X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(c.proc("A"), X, 1);
}

// Andrea Arcangeli's interleaving (LKML 2014-10-27):
//
//   CPU0                                   CPU1
//   pin_user_pages_fast(X)                 khugepaged: collapse_huge_page(X)
//     local_irq_disable(); pmd = *pmdp
//                                          pmdp_collapse_flush(): broadcast, no wait
//                                          __collapse_huge_page_isolate(): refcount 1: go
//     pte = *ptep; try_grab_folio_fast()
//     recheck pte: same -> page S
//                                          __collapse_huge_page_copy(): S -> THP H
//                                          set_pmd_at(H)
//   DMA write 42 into S
//   load X  -> H: 1, not 42                "gup_fast went out of sync with virtual memory"
inline MmSpec collapse_vs_gup_fast(const mm::Config& cfg)
{
	MmSpec p;
	p.title = "khugepaged-vs-gup_fast";
	p.cfg = cfg;
	p.init = small_pages_then_thp;
	p.cpus.push_back([](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X, 1, PIN_W, true);
		w.dma_write(h, 0, 42);
		w.load(c.proc("A"), X);
		w.unpin(h);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) { w.collapse(c.proc("A"), X); });
	return p;
}

// Jann Horn (2022): GUP-fast still walks the PTE table collapse deposited with the THP, and
// munmap of the THP frees the deposited table at once (zap_deposited_table).
//
//   CPU0                                   CPU1
//   local_irq_disable(); pmd = *pmdp (T)
//                                          collapse_huge_page(): T deposited with THP
//                                          munmap(X, 2 MiB): zap_huge_pmd(): pte_free(T)
//   pte = READ_ONCE(T[0])  -> use after free
inline MmSpec collapse_munmap_vs_gup_fast(const mm::Config& cfg)
{
	MmSpec p;
	p.title = "khugepaged+munmap-vs-gup_fast";
	p.cfg = cfg;
	p.init = small_pages_then_thp;
	p.cpus.push_back([](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X, 1, PIN_W, true);
		w.unpin(h);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) {
		w.collapse(c.proc("A"), X);
		w.munmap(c.proc("A"), X, mm::PMD_SIZE);
	});
	return p;
}

// Benjamin Herrenschmidt / Andrea (2014): with broadcast flushing the page GUP-fast read may
// be freed (and reused) before its reference is taken, so a plain increment revives a free
// page; increment-unless-zero plus the PTE recheck backs off instead.
//
//   CPU0                                   CPU1
//   local_irq_disable(); pte = *ptep (S)
//                                          munmap(X): clear pte, broadcast flush, free S
//   get_page(S)  -> reference on a free page
inline MmSpec munmap_vs_gup_fast(const mm::Config& cfg)
{
	MmSpec p;
	p.title = "munmap-vs-gup_fast";
	p.cfg = cfg;
	p.init = one_page;
	p.cpus.push_back([](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X, 1, mm::FOLL_GET | mm::FOLL_WRITE, true);
		w.unpin(h);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) { w.munmap(c.proc("A"), X, PAGE_SIZE); });
	return p;
}

// Jason Gunthorpe (2020): fork write-protects a page GUP-fast is pinning; without the
// write_protect_seq check the pin survives on a page now COW-shared with the child, and the
// parent's next write COWs away from its own pinned page.
//
//   CPU0                                   CPU1
//                                          fork: copy_present_pte(): not pinned: share
//   pin_user_pages_fast(X): pte writable,
//   grab, recheck: same -> page S
//                                          clear PG_anon_exclusive, write-protect
//   store X = 7: COW -> A gets a copy
//   DMA read of S: 1, but A sees 7
inline MmSpec fork_vs_gup_fast(const mm::Config& cfg)
{
	MmSpec p;
	p.title = "fork-vs-gup_fast";
	p.cfg = cfg;
	p.init = one_page;
	p.cpus.push_back([](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X, 1, PIN_W, true);
		w.store(c.proc("A"), X, 7);
		w.dma_read(h, 0);
		w.unpin(h);
	});
	p.cpus.push_back([](check::World& w, Ctx& c) { w.fork(c.proc("A"), "B"); });
	return p;
}

// The other direction of the same race: the process's stores no longer reach the device.
inline MmSpec collapse_vs_gup_fast_read(const mm::Config& cfg)
{
	MmSpec p = collapse_vs_gup_fast(cfg);
	p.title = "khugepaged-vs-gup_fast+dma_read";
	p.cpus[0] = [](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X, 1, mm::FOLL_PIN, true);
		w.store(c.proc("A"), X, 5);
		w.dma_read(h, 0);
		w.unpin(h);
	};
	return p;
}

// Today's kernel with THPs under GUP-fast: splitting a THP (partial munmap) and zapping a
// whole one (MADV_DONTNEED) while GUP-fast pins a page of it.
inline MmSpec thp_zap_vs_gup_fast(const mm::Config& cfg, bool whole)
{
	MmSpec p;
	p.title = whole ? "zap_huge_pmd-vs-gup_fast" : "__split_huge_pmd-vs-gup_fast";
	p.cfg = cfg;
	p.cfg.transparent_hugepage = true;
	p.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, mm::PMD_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(c.proc("A"), X + PAGE_SIZE, 1);
	};
	p.cpus.push_back([](check::World& w, Ctx& c) {
		int h = w.pin(c.proc("A"), X + PAGE_SIZE, 1, PIN_W, true);
		w.dma_write(h, 0, 42);
		w.load(c.proc("A"), X + PAGE_SIZE);
		w.unpin(h);
	});
	p.cpus.push_back([whole](check::World& w, Ctx& c) {
		if (whole)
			w.madvise(c.proc("A"), X, mm::PMD_SIZE, mm::MADV_DONTNEED);
		else
			w.munmap(c.proc("A"), X, PAGE_SIZE);
	});
	return p;
}

} // namespace gup_scenarios
