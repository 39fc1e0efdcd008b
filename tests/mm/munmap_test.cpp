// munmap(): VMA splitting, zapping, freeing of exactly the pages and emptied tables.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

struct MunmapTest : ::testing::Test {
	check::World w;
	mm::process* a = nullptr;
	void SetUp() override
	{
		w.reset(mm::Config{});
		a = w.create_process("A");
	}
	std::size_t used() { return w.kernel().phys().nr_frames() - w.kernel().phys().nr_free(); }
};

//   before:  [ 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 ]   one VMA, all 8 pages touched
//   munmap(2, 3 pages)
//   after:   [ 0 | 1 ]           [ 5 | 6 | 7 ]  two VMAs; pages 2-4 freed, no table freed
TEST_F(MunmapTest, MiddleOfVmaSplitsItAndFreesExactlyThosePages)
{
	unsigned long base = static_cast<unsigned long>(w.mmap(*a, 0, 8 * PAGE_SIZE, RW, ANON));
	for (unsigned long i = 0; i < 8; ++i)
		w.store(*a, base + i * PAGE_SIZE, 100 + i);
	std::size_t before = used();
	ASSERT_EQ(w.munmap(*a, base + 2 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	EXPECT_EQ(used(), before - 3);
	ASSERT_EQ(a->mm->mmap.size(), 2u);
	EXPECT_EQ(a->mm->mmap[0]->start(), base);
	EXPECT_EQ(a->mm->mmap[0]->end(), base + 2 * PAGE_SIZE);
	EXPECT_EQ(a->mm->mmap[1]->start(), base + 5 * PAGE_SIZE);
	EXPECT_EQ(a->mm->mmap[1]->vm_pgoff.peek(), (base >> mm::PAGE_SHIFT) + 5);
	for (unsigned long i : {0ul, 1ul, 5ul, 6ul, 7ul})
		EXPECT_EQ(w.load(*a, base + i * PAGE_SIZE).value, 100 + i);
	w.check_invariants();
}

TEST_F(MunmapTest, LoadAfterMunmapIsSigsegv)
{
	unsigned long base = static_cast<unsigned long>(w.mmap(*a, 0, 2 * PAGE_SIZE, RW, ANON));
	w.store(*a, base, 1);
	ASSERT_EQ(w.munmap(*a, base, 2 * PAGE_SIZE), 0);
	EXPECT_EQ(w.load(*a, base).kind, mm::access_result::sigsegv);
	EXPECT_EQ(w.store(*a, base + PAGE_SIZE, 1).kind, mm::access_result::sigsegv);
	EXPECT_EQ(a->sigsegv, 2);
	w.check_invariants();
}

//   VMA X [0x40000000, +4K) and VMA Y [0x40200000, +4K): two PTE tables under one PMD table.
//   munmap(X) frees X's page and X's PTE table but keeps the PMD table Y still needs.
TEST_F(MunmapTest, EmptiedPteTableIsFreedButSharedUpperTablesStay)
{
	long x = w.mmap(*a, 0x40000000, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	long y = w.mmap(*a, 0x40200000, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	ASSERT_EQ(x, 0x40000000);
	ASSERT_EQ(y, 0x40200000);
	w.store(*a, 0x40000000, 1);
	w.store(*a, 0x40200000, 2);
	std::size_t before = used();
	ASSERT_EQ(w.munmap(*a, 0x40000000, PAGE_SIZE), 0);
	EXPECT_EQ(used(), before - 2); // the data page and its PTE table
	mm::pmd_t* pmd = mm::walk_to_pmd(a->mm, 0x40000000, false);
	ASSERT_NE(pmd, nullptr);
	EXPECT_TRUE(mm::pte_none(pmd->peek()));
	EXPECT_EQ(w.load(*a, 0x40200000).value, 2u);
	ASSERT_EQ(w.munmap(*a, 0x40200000, PAGE_SIZE), 0);
	// Nothing is mapped any more: PTE, PMD and PUD tables are all gone.
	EXPECT_EQ(used(), before - 6); // only the pgd is left
	w.check_invariants();
}

// mmap(MAP_FIXED) over an existing mapping replaces it: the old pages are freed, the new
// mapping reads zero.
TEST_F(MunmapTest, MapFixedOverAMappingReplacesIt)
{
	unsigned long base = static_cast<unsigned long>(w.mmap(*a, 0, 2 * PAGE_SIZE, RW, ANON));
	w.store(*a, base, 42);
	std::size_t before = used();
	ASSERT_EQ(w.mmap(*a, base, PAGE_SIZE, RW, ANON | mm::MAP_FIXED), static_cast<long>(base));
	EXPECT_EQ(used(), before - 1);
	EXPECT_EQ(w.load(*a, base).value, 0u);
	w.check_invariants();
}

TEST_F(MunmapTest, BadArgumentsAreRejected)
{
	EXPECT_EQ(w.munmap(*a, 0x40000001, PAGE_SIZE), -EINVAL);
	EXPECT_EQ(w.munmap(*a, 0x40000000, 0), -EINVAL);
	EXPECT_EQ(w.munmap(*a, mm::TASK_SIZE, PAGE_SIZE), -EINVAL);
	EXPECT_EQ(w.mmap(*a, 0, 0, RW, ANON), -EINVAL);
	EXPECT_EQ(w.mmap(*a, 0x1001, PAGE_SIZE, RW, ANON | mm::MAP_FIXED), -EINVAL);
}

} // namespace
