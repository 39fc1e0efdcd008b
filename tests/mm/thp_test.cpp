// Anonymous THP, one operation at a time: the huge-PMD fault, split on partial munmap /
// mprotect / mremap, fork sharing and COW, zap, and khugepaged's collapse with its
// failure paths. Invariants (mapcounts, refcounts, deposited tables, TLBs) run after every
// operation.
#include "mm_harness.hpp"

#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;
using mm::PMD_SIZE;

constexpr unsigned long X = 0x40000000; // 2 MiB aligned

struct ThpTest : ::testing::Test {
	check::World w;
	mm::process* a = nullptr;
	void SetUp() override
	{
		mm::Config cfg;
		cfg.transparent_hugepage = true;
		w.reset(cfg);
		a = w.create_process("A");
	}
	mm::pteval_t pmd_of(mm::process* p, unsigned long addr)
	{
		mm::pmd_t* pmd = mm::walk_to_pmd(p->mm, addr, false);
		return pmd ? pmd->peek() : 0;
	}
	bool huge_at(mm::process* p, unsigned long addr) { return mm::pte_huge(pmd_of(p, addr)); }
	mm::folio* folio_at(mm::process* p, unsigned long addr)
	{
		return mm::page_folio(w.kernel().phys().pfn_to_page(mm::pte_pfn(pmd_of(p, addr))));
	}
	std::size_t used() { return w.kernel().phys().nr_frames() - w.kernel().phys().nr_free(); }
	// A 2 MiB region faulted as small pages (THP off), pages i = 0..n-1 holding 100 + i.
	void small_pages(unsigned long n)
	{
		w.set_thp(false);
		ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
		for (unsigned long i = 0; i < n; ++i)
			w.store(*a, X + i * PAGE_SIZE, 100 + i);
		w.set_thp(true);
	}
};

//   A: [X, X + 2 MiB) anon, THP always: the first touch maps one 2 MiB folio by a huge PMD
TEST_F(ThpTest, FirstTouchOfAnAlignedRegionMapsAHugePmd)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	EXPECT_EQ(w.store(*a, X + 5 * PAGE_SIZE, 55).kind, mm::access_result::ok);
	ASSERT_TRUE(huge_at(a, X));
	mm::folio* f = folio_at(a, X);
	EXPECT_EQ(f->order, mm::HPAGE_PMD_ORDER);
	EXPECT_EQ(f->_refcount.peek(), 1);
	EXPECT_EQ(f->_entire_mapcount.peek(), 0);
	EXPECT_EQ(w.load(*a, X + 5 * PAGE_SIZE).value, 55u);
	EXPECT_EQ(w.load(*a, X + 6 * PAGE_SIZE).value, 0u);
	w.check_invariants();
}

// A region that does not cover an aligned 2 MiB gets small pages.
TEST_F(ThpTest, UnalignedOrSmallRegionsGetSmallPages)
{
	ASSERT_EQ(w.mmap(*a, X + PAGE_SIZE, PMD_SIZE, RW, ANON | mm::MAP_FIXED),
		  static_cast<long>(X + PAGE_SIZE));
	w.store(*a, X + PAGE_SIZE, 1);
	EXPECT_FALSE(huge_at(a, X + PAGE_SIZE));
	w.check_invariants();
}

//   [ THP 2 MiB ]  munmap(first 4 KiB)  ->  [ hole | 511 small PTEs of the same folio ]
TEST_F(ThpTest, PartialMunmapSplitsThePmdAndKeepsTheRest)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X, 1);
	w.store(*a, X + PAGE_SIZE, 2);
	mm::folio* f = folio_at(a, X);
	ASSERT_EQ(w.munmap(*a, X, PAGE_SIZE), 0);
	EXPECT_FALSE(huge_at(a, X + PAGE_SIZE));
	EXPECT_EQ(f->_refcount.peek(), mm::HPAGE_PMD_NR - 1); // one per remaining PTE
	EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 2u);
	EXPECT_EQ(w.load(*a, X).kind, mm::access_result::sigsegv);
	w.check_invariants();
	ASSERT_EQ(w.munmap(*a, X + PAGE_SIZE, PMD_SIZE - PAGE_SIZE), 0);
	EXPECT_TRUE(w.kernel().phys().is_free(f->pfn)) << "the folio goes with its last PTE";
	w.check_invariants();
}

// mprotect of half the THP splits the VMA and the PMD; each half keeps its data.
TEST_F(ThpTest, MprotectOfHalfSplitsAndKeepsData)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X, 7);
	w.store(*a, X + PMD_SIZE / 2, 8);
	ASSERT_EQ(w.mprotect(*a, X, PMD_SIZE / 2, mm::PROT_READ), 0);
	EXPECT_FALSE(huge_at(a, X));
	EXPECT_EQ(w.store(*a, X, 9).kind, mm::access_result::sigsegv);
	EXPECT_EQ(w.store(*a, X + PMD_SIZE / 2, 10).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*a, X).value, 7u);
	w.check_invariants();
}

// mprotect of the whole THP keeps it huge.
TEST_F(ThpTest, MprotectOfTheWholeThpKeepsItHuge)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X, 7);
	ASSERT_EQ(w.mprotect(*a, X, PMD_SIZE, mm::PROT_READ), 0);
	EXPECT_TRUE(huge_at(a, X));
	EXPECT_EQ(w.store(*a, X, 9).kind, mm::access_result::sigsegv);
	ASSERT_EQ(w.mprotect(*a, X, PMD_SIZE, RW), 0);
	EXPECT_EQ(w.store(*a, X, 9).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*a, X).value, 9u);
	w.check_invariants();
}

// fork shares the THP read-only (copy_huge_pmd); a write on either side splits and COWs.
TEST_F(ThpTest, ForkSharesTheThpAndCowCopiesOnePage)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X, 1);
	w.store(*a, X + PAGE_SIZE, 2);
	mm::process* b = w.fork(*a, "B");
	ASSERT_NE(b, nullptr);
	ASSERT_TRUE(huge_at(b, X));
	EXPECT_EQ(folio_at(a, X), folio_at(b, X));
	EXPECT_EQ(folio_at(a, X)->_entire_mapcount.peek(), 1);
	w.check_invariants();
	EXPECT_EQ(w.store(*b, X, 11).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*b, X).value, 11u);
	EXPECT_EQ(w.load(*b, X + PAGE_SIZE).value, 2u);
	EXPECT_EQ(w.load(*a, X).value, 1u);
	EXPECT_EQ(w.store(*a, X + PAGE_SIZE, 22).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*b, X + PAGE_SIZE).value, 2u);
	w.check_invariants();
	w.exit(*b);
	w.exit(*a);
	w.check_invariants();
}

// MADV_DONTNEED of the whole range zaps the huge PMD: the folio and its deposited table go.
TEST_F(ThpTest, DontneedOfTheWholeThpFreesFolioAndDepositedTable)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	std::size_t before = used();
	w.store(*a, X, 1);
	EXPECT_EQ(used(), before + mm::HPAGE_PMD_NR + 1 + 2); // folio, deposit, PUD + PMD tables
	ASSERT_EQ(w.madvise(*a, X, PMD_SIZE, mm::MADV_DONTNEED), 0);
	EXPECT_EQ(used(), before + 2); // the PUD and PMD tables stay
	EXPECT_EQ(w.load(*a, X).value, 0u);
	w.check_invariants();
}

// mremap moves a THP as small pages (the model splits it).
TEST_F(ThpTest, MremapMovesTheThpContents)
{
	ASSERT_EQ(w.mmap(*a, X, PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X + 3 * PAGE_SIZE, 33);
	unsigned long to = X + 4 * PMD_SIZE;
	ASSERT_EQ(w.mremap(*a, X, PMD_SIZE, PMD_SIZE, mm::MREMAP_MAYMOVE | mm::MREMAP_FIXED, to),
		  static_cast<long>(to));
	EXPECT_EQ(w.load(*a, to + 3 * PAGE_SIZE).value, 33u);
	EXPECT_EQ(w.load(*a, X).kind, mm::access_result::sigsegv);
	w.check_invariants();
}

//   [ 3 small pages | 509 none ]  khugepaged  ->  [ THP: 100, 101, 102, 0, ... ]
TEST_F(ThpTest, CollapseReplacesSmallPagesByOneThpWithTheSameData)
{
	small_pages(3);
	ASSERT_FALSE(huge_at(a, X));
	std::size_t before = used();
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_SUCCEED);
	ASSERT_TRUE(huge_at(a, X));
	// 512 new frames; 3 small pages freed; the PTE table is deposited, not freed.
	EXPECT_EQ(used(), before + mm::HPAGE_PMD_NR - 3);
	for (unsigned long i = 0; i < 3; ++i)
		EXPECT_EQ(w.load(*a, X + i * PAGE_SIZE).value, 100 + i);
	EXPECT_EQ(w.load(*a, X + 3 * PAGE_SIZE).value, 0u);
	w.check_invariants();
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_PMD_MAPPED);
}

// A page with an extra reference (a GUP pin) keeps the range from collapsing; the PTE table
// is put back as it was.
TEST_F(ThpTest, CollapseFailsOnAPinnedPageAndRestoresThePteTable)
{
	small_pages(2);
	mm::pteval_t pmd = pmd_of(a, X);
	int h = w.pin(*a, X + PAGE_SIZE, 1, mm::FOLL_PIN | mm::FOLL_WRITE, false);
	ASSERT_GE(h, 0);
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_PAGE_COUNT);
	EXPECT_EQ(pmd_of(a, X), pmd);
	w.dma_write(h, 0, 77);
	EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 77u);
	w.unpin(h);
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_SUCCEED);
	EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 77u);
	w.check_invariants();
}

// khugepaged leaves a region alone when THP is off, or the VMA does not cover 2 MiB.
TEST_F(ThpTest, CollapseNeedsThpEnabledAndAWholeAlignedRange)
{
	small_pages(1);
	w.set_thp(false);
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_VMA_CHECK);
	w.set_thp(true);
	ASSERT_EQ(w.munmap(*a, X + PMD_SIZE - PAGE_SIZE, PAGE_SIZE), 0);
	EXPECT_EQ(w.collapse(*a, X), mm::SCAN_ADDRESS_RANGE);
	w.check_invariants();
}

// Each 2014 proposal is a working collapse on its own when nothing races.
TEST_F(ThpTest, CollapseWithEitherOf2014ProposalsStillCollapses)
{
	for (auto p : {mm::Proposal::collapse_ipi_after_pmd_clear,
		       mm::Proposal::collapse_recheck_refcount}) {
		mm::Config cfg;
		cfg.fixes.set(p, true);
		w.reset(cfg);
		a = w.create_process("A");
		small_pages(2);
		EXPECT_EQ(w.collapse(*a, X), mm::SCAN_SUCCEED);
		EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 101u);
		w.check_invariants();
	}
}

// exit tears a THP down like any mapping.
TEST_F(ThpTest, ExitFreesThpsAndDepositedTables)
{
	std::size_t before = used();
	ASSERT_EQ(w.mmap(*a, X, 2 * PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X, 1);
	w.store(*a, X + PMD_SIZE, 2);
	w.exit(*a);
	EXPECT_EQ(used(), before - 1) << "only A's pgd went too";
	w.check_invariants();
}

} // namespace
