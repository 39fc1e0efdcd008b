// fork() and copy-on-write: the child starts with the parent's contents, and after that each
// side's stores are its own.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

struct ForkTest : ::testing::Test {
	check::World w;
	void SetUp() override { w.reset(mm::Config{}); }
};

//   A: [0x40000000 .. +4 pages) anon private, page 0 = 11, page 1 = 22
//   fork -> B; B stores 99 to page 0; A stores 77 to page 1
//   A sees 11, 77; B sees 99, 22
TEST_F(ForkTest, CowAfterForkKeepsBothProcessesData)
{
	mm::process* a = w.create_process("A");
	long addr = w.mmap(*a, 0, 4 * PAGE_SIZE, RW, ANON);
	ASSERT_GT(addr, 0);
	unsigned long base = static_cast<unsigned long>(addr);
	w.store(*a, base, 11);
	w.store(*a, base + PAGE_SIZE, 22);
	mm::process* b = w.fork(*a, "B");
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(w.load(*b, base).value, 11u);
	EXPECT_EQ(w.store(*b, base, 99).kind, mm::access_result::ok);
	EXPECT_EQ(w.store(*a, base + PAGE_SIZE, 77).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*a, base).value, 11u);
	EXPECT_EQ(w.load(*a, base + PAGE_SIZE).value, 77u);
	EXPECT_EQ(w.load(*b, base).value, 99u);
	EXPECT_EQ(w.load(*b, base + PAGE_SIZE).value, 22u);
	w.check_invariants();
}

// After fork both PTEs of a written page are read-only and the page has mapcount 2; the first
// write on either side copies (or, once alone, reuses) it.
TEST_F(ForkTest, ForkWriteProtectsAndSharesPages)
{
	mm::process* a = w.create_process("A");
	unsigned long base = static_cast<unsigned long>(w.mmap(*a, 0, PAGE_SIZE, RW, ANON));
	w.store(*a, base, 5);
	mm::Kernel& k = w.kernel();
	std::size_t used = k.phys().nr_frames() - k.phys().nr_free();
	mm::process* b = w.fork(*a, "B");
	// The child needs its own tables but no data page yet.
	mm::pmd_t* pmd = mm::walk_to_pmd(b->mm, base, false);
	ASSERT_NE(pmd, nullptr);
	mm::pte_t* pte = mm::pte_offset_map(pmd, base);
	mm::pteval_t v = pte->peek();
	ASSERT_TRUE(mm::pte_present(v));
	EXPECT_FALSE(mm::pte_write(v));
	EXPECT_EQ(mm::page_mapcount(k.phys().pfn_to_page(mm::pte_pfn(v))), 2);
	std::size_t tables = 3; // PUD, PMD and PTE tables of B (its pgd was counted at fork)
	EXPECT_EQ(k.phys().nr_frames() - k.phys().nr_free(), used + 1 + tables);
	w.store(*b, base, 6); // copies
	EXPECT_EQ(k.phys().nr_frames() - k.phys().nr_free(), used + 2 + tables);
	w.store(*a, base, 7); // alone now: reuses in place
	EXPECT_EQ(k.phys().nr_frames() - k.phys().nr_free(), used + 2 + tables);
	EXPECT_EQ(w.load(*a, base).value, 7u);
	EXPECT_EQ(w.load(*b, base).value, 6u);
	w.check_invariants();
}

// A shared anonymous mapping stays shared across fork: stores are seen by both.
TEST_F(ForkTest, SharedAnonymousMemoryStaysSharedAcrossFork)
{
	mm::process* a = w.create_process("A");
	unsigned long base = static_cast<unsigned long>(
		w.mmap(*a, 0, PAGE_SIZE, RW, mm::MAP_SHARED | mm::MAP_ANONYMOUS));
	w.store(*a, base, 1);
	mm::process* b = w.fork(*a, "B");
	w.store(*b, base, 2);
	EXPECT_EQ(w.load(*a, base).value, 2u);
	w.store(*a, base, 3);
	EXPECT_EQ(w.load(*b, base).value, 3u);
	w.check_invariants();
}

// Everything a process and its child allocated is freed once both exit.
TEST_F(ForkTest, ExitOfParentAndChildFreesEveryFrame)
{
	mm::Kernel& k = w.kernel();
	mm::process* a = w.create_process("A");
	unsigned long base = static_cast<unsigned long>(w.mmap(*a, 0, 8 * PAGE_SIZE, RW, ANON));
	for (unsigned long i = 0; i < 8; ++i)
		w.store(*a, base + i * PAGE_SIZE, i);
	mm::process* b = w.fork(*a, "B");
	w.store(*b, base, 100);
	w.exit(*a);
	w.check_invariants();
	EXPECT_EQ(w.load(*b, base + 3 * PAGE_SIZE).value, 3u);
	w.exit(*b);
	w.check_invariants();
	EXPECT_EQ(k.phys().nr_free(), k.phys().nr_frames());
}

} // namespace
