// mremap(), mprotect() and MADV_DONTNEED on anonymous memory.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

struct RemapTest : ::testing::Test {
	check::World w;
	mm::process* a = nullptr;
	void SetUp() override
	{
		w.reset(mm::Config{});
		a = w.create_process("A");
	}
};

//   [ X: 3 pages ][ Y ]      mremap(X, 3 -> 6 pages, MAYMOVE): no room, X moves
//   data follows it; the old range is gone
TEST_F(RemapTest, MremapMovesData)
{
	unsigned long x = static_cast<unsigned long>(w.mmap(*a, 0, 3 * PAGE_SIZE, RW, ANON));
	unsigned long y = static_cast<unsigned long>(w.mmap(*a, x + 3 * PAGE_SIZE, PAGE_SIZE, RW,
							      ANON | mm::MAP_FIXED));
	ASSERT_EQ(y, x + 3 * PAGE_SIZE);
	for (unsigned long i = 0; i < 3; ++i)
		w.store(*a, x + i * PAGE_SIZE, 10 + i);
	long n = w.mremap(*a, x, 3 * PAGE_SIZE, 6 * PAGE_SIZE, mm::MREMAP_MAYMOVE);
	ASSERT_GT(n, 0);
	unsigned long to = static_cast<unsigned long>(n);
	EXPECT_NE(to, x);
	for (unsigned long i = 0; i < 3; ++i)
		EXPECT_EQ(w.load(*a, to + i * PAGE_SIZE).value, 10 + i);
	EXPECT_EQ(w.load(*a, to + 4 * PAGE_SIZE).value, 0u);
	EXPECT_EQ(w.load(*a, x).kind, mm::access_result::sigsegv);
	w.check_invariants();
}

TEST_F(RemapTest, MremapGrowsInPlaceWhenThereIsRoomAndShrinks)
{
	unsigned long x = static_cast<unsigned long>(w.mmap(*a, 0, 2 * PAGE_SIZE, RW, ANON));
	w.store(*a, x, 1);
	EXPECT_EQ(w.mremap(*a, x, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0), static_cast<long>(x));
	EXPECT_EQ(w.store(*a, x + 3 * PAGE_SIZE, 3).kind, mm::access_result::ok);
	EXPECT_EQ(w.mremap(*a, x, 4 * PAGE_SIZE, PAGE_SIZE, 0), static_cast<long>(x));
	EXPECT_EQ(w.load(*a, x).value, 1u);
	EXPECT_EQ(w.load(*a, x + 3 * PAGE_SIZE).kind, mm::access_result::sigsegv);
	w.check_invariants();
}

TEST_F(RemapTest, MremapFixedMovesToTheGivenAddress)
{
	unsigned long x = static_cast<unsigned long>(w.mmap(*a, 0, PAGE_SIZE, RW, ANON));
	w.store(*a, x, 8);
	long n = w.mremap(*a, x, PAGE_SIZE, PAGE_SIZE, mm::MREMAP_MAYMOVE | mm::MREMAP_FIXED,
			  0x50000000);
	ASSERT_EQ(n, 0x50000000);
	EXPECT_EQ(w.load(*a, 0x50000000).value, 8u);
	EXPECT_EQ(w.mremap(*a, 0x50000000, PAGE_SIZE, PAGE_SIZE, mm::MREMAP_FIXED, 0x60000000),
		  -EINVAL);
	w.check_invariants();
}

TEST_F(RemapTest, MadvDontneedReZeroes)
{
	unsigned long x = static_cast<unsigned long>(w.mmap(*a, 0, 2 * PAGE_SIZE, RW, ANON));
	w.store(*a, x, 5);
	w.store(*a, x + PAGE_SIZE, 6);
	std::size_t free_before = w.kernel().phys().nr_free();
	ASSERT_EQ(w.madvise(*a, x, PAGE_SIZE, mm::MADV_DONTNEED), 0);
	EXPECT_EQ(w.kernel().phys().nr_free(), free_before + 1);
	EXPECT_EQ(w.load(*a, x).value, 0u);
	EXPECT_EQ(w.load(*a, x + PAGE_SIZE).value, 6u);
	w.check_invariants();
}

TEST_F(RemapTest, MprotectReadOnlyMakesStoresFaultAndKeepsData)
{
	unsigned long x = static_cast<unsigned long>(w.mmap(*a, 0, 3 * PAGE_SIZE, RW, ANON));
	w.store(*a, x + PAGE_SIZE, 4);
	ASSERT_EQ(w.mprotect(*a, x + PAGE_SIZE, PAGE_SIZE, mm::PROT_READ), 0);
	EXPECT_EQ(a->mm->mmap.size(), 3u);
	EXPECT_EQ(w.store(*a, x + PAGE_SIZE, 9).kind, mm::access_result::sigsegv);
	EXPECT_EQ(w.load(*a, x + PAGE_SIZE).value, 4u);
	EXPECT_EQ(w.store(*a, x, 9).kind, mm::access_result::ok);
	ASSERT_EQ(w.mprotect(*a, x + PAGE_SIZE, PAGE_SIZE, mm::PROT_NONE), 0);
	EXPECT_EQ(w.load(*a, x + PAGE_SIZE).kind, mm::access_result::sigsegv);
	ASSERT_EQ(w.mprotect(*a, x + PAGE_SIZE, PAGE_SIZE, RW), 0);
	EXPECT_EQ(w.store(*a, x + PAGE_SIZE, 10).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*a, x + PAGE_SIZE).value, 10u);
	EXPECT_EQ(w.mprotect(*a, x + 8 * PAGE_SIZE, PAGE_SIZE, RW), -ENOMEM);
	w.check_invariants();
}

} // namespace
