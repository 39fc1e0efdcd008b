// get_user_pages / pin_user_pages, one operation at a time: faulting in, breaking COW and
// unsharing first, DMA through a pin seen by the process and the other way round, pins
// across fork and munmap, THP subpages, and the errors GUP returns.
#include "mm_harness.hpp"

#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;
using mm::FOLL_GET;
using mm::FOLL_PIN;
using mm::FOLL_WRITE;

constexpr unsigned long X = 0x40000000;

struct GupTest : ::testing::TestWithParam<bool> { // GUP-fast (true) or the slow path
	check::World w;
	mm::process* a = nullptr;
	bool fast() const { return GetParam(); }
	void SetUp() override
	{
		w.reset(mm::Config{});
		a = w.create_process("A");
		ASSERT_EQ(w.mmap(*a, X, 4 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	}
	mm::page* pinned(int h, int i = 0) { return w.pins().find(h)->pages[static_cast<std::size_t>(i)]; }
	mm::pfn_t mapped_pfn(mm::process* p, unsigned long addr)
	{
		mm::pmd_t* pmd = mm::walk_to_pmd(p->mm, addr, false);
		mm::pteval_t v = pmd->peek();
		if (mm::pte_huge(v))
			return mm::pte_pfn(v) + ((addr & ~mm::PMD_MASK) >> mm::PAGE_SHIFT);
		return mm::pte_pfn(mm::entry_table(w.kernel().pgtables(), v)
					   ->entries[static_cast<std::size_t>(mm::pte_index(addr))]
					   .peek());
	}
};

// A pin of pages never touched faults them in; the device and the process then see each
// other's writes.
TEST_P(GupTest, PinFaultsPagesInAndDmaAndProcessSeeEachOther)
{
	int h = w.pin(*a, X, 2, FOLL_PIN | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	EXPECT_EQ(w.pin_pages(h), 2);
	EXPECT_EQ(pinned(h)->_refcount.peek(), 1 + mm::GUP_PIN_COUNTING_BIAS);
	w.dma_write(h, 1, 42);
	EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 42u);
	w.store(*a, X, 7);
	EXPECT_EQ(w.dma_read(h, 0), 7u);
	w.unpin(h);
	EXPECT_EQ(mm::page_folio(w.kernel().phys().pfn_to_page(mapped_pfn(a, X)))->_refcount.peek(), 1);
	w.check_invariants();
}

// FOLL_GET takes one plain reference per page.
TEST_P(GupTest, FollGetTakesOneReference)
{
	w.store(*a, X, 1);
	int h = w.pin(*a, X, 1, FOLL_GET | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	EXPECT_EQ(pinned(h)->_refcount.peek(), 2);
	w.check_invariants();
	w.unpin(h);
	w.check_invariants();
}

// After fork the page is COW-shared; a FOLL_WRITE pin breaks COW first, so the device
// writes into the parent's own copy and the child keeps its data.
TEST_P(GupTest, WritePinAfterForkBreaksCowFirst)
{
	w.store(*a, X, 1);
	mm::process* b = w.fork(*a, "B");
	int h = w.pin(*a, X, 1, FOLL_PIN | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	EXPECT_NE(mapped_pfn(a, X), mapped_pfn(b, X));
	EXPECT_EQ(pinned(h)->pfn, mapped_pfn(a, X));
	w.dma_write(h, 0, 42);
	EXPECT_EQ(w.load(*a, X).value, 42u);
	EXPECT_EQ(w.load(*b, X).value, 1u);
	w.unpin(h);
	w.check_invariants();
}

// A read-only FOLL_PIN of a COW-shared anon page unshares it (FAULT_FLAG_UNSHARE), so the
// parent's later writes stay visible to the device.
TEST_P(GupTest, ReadOnlyPinAfterForkUnsharesSoParentWritesStayVisible)
{
	w.store(*a, X, 1);
	mm::process* b = w.fork(*a, "B");
	int h = w.pin(*a, X, 1, FOLL_PIN, fast());
	ASSERT_GE(h, 0);
	EXPECT_NE(mapped_pfn(a, X), mapped_pfn(b, X)) << "unshared: A has its own copy";
	EXPECT_TRUE(pinned(h)->flags.peek() & mm::PG_anon_exclusive);
	w.store(*a, X, 5);
	EXPECT_EQ(w.dma_read(h, 0), 5u);
	EXPECT_EQ(w.load(*b, X).value, 1u);
	w.unpin(h);
	w.check_invariants();
}

// fork copies a pinned exclusive page for the child instead of sharing it, so the pin stays
// the parent's page.
TEST_P(GupTest, ForkCopiesAPinnedPageForTheChild)
{
	w.store(*a, X, 1);
	int h = w.pin(*a, X, 1, FOLL_PIN | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	mm::process* b = w.fork(*a, "B");
	EXPECT_NE(mapped_pfn(a, X), mapped_pfn(b, X));
	EXPECT_EQ(pinned(h)->pfn, mapped_pfn(a, X));
	w.dma_write(h, 0, 42);
	w.store(*a, X + PAGE_SIZE, 3); // the parent keeps writing
	EXPECT_EQ(w.load(*a, X).value, 42u);
	EXPECT_EQ(w.load(*b, X).value, 1u);
	w.unpin(h);
	w.check_invariants();
}

// munmap of a pinned page removes the mapping; the page lives until the unpin.
TEST_P(GupTest, MunmapLeavesThePinnedPageAllocatedUntilUnpin)
{
	w.store(*a, X, 1);
	int h = w.pin(*a, X, 1, FOLL_PIN | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	mm::page* pg = pinned(h);
	ASSERT_EQ(w.munmap(*a, X, PAGE_SIZE), 0);
	EXPECT_FALSE(w.kernel().phys().is_free(pg->pfn));
	EXPECT_EQ(w.dma_read(h, 0), 1u);
	w.check_invariants();
	w.unpin(h);
	EXPECT_TRUE(w.kernel().phys().is_free(pg->pfn));
	w.check_invariants();
}

// GUP of a PMD-mapped THP pins its subpages.
TEST_P(GupTest, PinOfAThpSubpage)
{
	mm::Config cfg;
	cfg.transparent_hugepage = true;
	w.reset(cfg);
	a = w.create_process("A");
	ASSERT_EQ(w.mmap(*a, X, mm::PMD_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(X));
	w.store(*a, X + 3 * PAGE_SIZE, 3);
	int h = w.pin(*a, X + 3 * PAGE_SIZE, 2, FOLL_PIN | FOLL_WRITE, fast());
	ASSERT_GE(h, 0);
	EXPECT_EQ(pinned(h)->pfn, mapped_pfn(a, X + 3 * PAGE_SIZE));
	EXPECT_EQ(w.dma_read(h, 0), 3u);
	w.dma_write(h, 1, 44);
	EXPECT_EQ(w.load(*a, X + 4 * PAGE_SIZE).value, 44u);
	w.check_invariants();
	// fork must not share a pinned THP: it splits and copies the pages for the child.
	mm::process* b = w.fork(*a, "B");
	EXPECT_EQ(pinned(h)->pfn, mapped_pfn(a, X + 3 * PAGE_SIZE));
	w.dma_write(h, 0, 33);
	EXPECT_EQ(w.load(*a, X + 3 * PAGE_SIZE).value, 33u);
	EXPECT_EQ(w.load(*b, X + 3 * PAGE_SIZE).value, 3u);
	w.unpin(h);
	w.check_invariants();
}

TEST_P(GupTest, ErrorsAreTheKernels)
{
	EXPECT_EQ(w.pin(*a, X + 8 * PAGE_SIZE, 1, FOLL_PIN, fast()), -EFAULT); // no VMA
	EXPECT_EQ(w.pin(*a, X, 1, FOLL_PIN | FOLL_GET, fast()), -EINVAL);
	ASSERT_EQ(w.mprotect(*a, X, PAGE_SIZE, mm::PROT_READ), 0);
	EXPECT_EQ(w.pin(*a, X, 1, FOLL_PIN | FOLL_WRITE, fast()), -EFAULT);
	EXPECT_GE(w.pin(*a, X, 1, FOLL_PIN, fast()), 0);
	// A range running into a hole pins what comes before it.
	int h = w.pin(*a, X + 3 * PAGE_SIZE, 2, FOLL_GET, fast());
	EXPECT_EQ(w.pin_pages(h), 1);
}

INSTANTIATE_TEST_SUITE_P(FastAndSlow, GupTest, ::testing::Bool(),
			 [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "GupFast" : "SlowPath"; });

} // namespace
