// The hugetlb operations of the scenario language (src/litmus/ops_hugetlb.cpp): each runs
// through check::World and returns what the kernel would.
#include "litmus/program.hpp"
#include "litmus/verdict.hpp"

#include <gtest/gtest.h>

namespace {

std::shared_ptr<const litmus::Scenario> scenario(const std::string& text)
{
	return std::make_shared<const litmus::Scenario>(litmus::load_text(text, "test.litmus"));
}

explore::ExploreResult explore_dfs(const std::shared_ptr<const litmus::Scenario>& s)
{
	explore::ExploreOptions o;
	o.strategy = "dfs";
	o.max_schedules = 0;
	o.stop_on_violation = false;
	explore::Explorer ex(o);
	litmus::LitmusProgram p(s, s->config);
	return ex.explore(p);
}

// Runs a one-CPU scenario and returns its single final state.
std::string only_outcome(const std::string& text)
{
	auto s = scenario(text);
	auto r = explore_dfs(s);
	EXPECT_FALSE(r.first) << r.first->violation.message;
	EXPECT_EQ(r.outcomes.size(), 1u);
	return r.outcomes.empty() ? "" : r.outcomes.begin()->first;
}

// A shared mapping of a hugetlbfs file reserves its pages at mmap; a fault consumes one
// reservation; HugePages_* follow (§4.5, first example).
TEST(HugetlbOps, SharedFileMappingReservesAndFaultsConsume)
{
	EXPECT_EQ(only_outcome(R"(mmcheck t/hugetlb-shared
init {
	nr_hugepages(count=3)
	process(name=A)
	hugetlbfs_create(name=F, size=4M)
}
P0 (A) {
	r0 = mmap(addr=0x100000000, len=4M, prot=read|write, flags=shared|fixed, file=F)
	r1 = meminfo(field=rsvd)
	r2 = store(addr=0x100000000, value=7)
	r3 = meminfo(field=rsvd)
	r4 = meminfo(field=free)
	r5 = load(addr=0x100000000)
	r6 = meminfo(field=total)
}
forbid violation
)"),
		  "P0:r0=0x100000000; P0:r1=2; P0:r2=0; P0:r3=1; P0:r4=2; P0:r5=7; P0:r6=3;");
}

// MAP_HUGETLB|MAP_NORESERVE with an empty pool maps fine and the first touch gets SIGBUS,
// which the memory oracle accepts (no reservation was promised).
TEST(HugetlbOps, NoreserveAnonymousMappingWithAnEmptyPoolGetsSigbus)
{
	EXPECT_EQ(only_outcome(R"(mmcheck t/hugetlb-noreserve
init { process(name=A) }
P0 (A) {
	r0 = mmap(addr=0x100000000, len=2M, prot=read|write, flags=private|anonymous|hugetlb|noreserve|fixed)
	r1 = store(addr=0x100000000, value=1)
	r2 = mmap(addr=0x200000000, len=2M, prot=read|write, flags=private|anonymous|hugetlb|fixed)
}
forbid violation
)"),
		  "P0:r0=0x100000000; P0:r1=sigbus; P0:r2=-ENOMEM; A:sigbus=1;");
}

// SysV shm with SHM_HUGETLB: ids from 0, attach, use, remove while attached (the segment
// lives until the last detach), detach; the pool gets its page back.
TEST(HugetlbOps, ShmSegmentLivesUntilItsLastDetach)
{
	EXPECT_EQ(only_outcome(R"(mmcheck t/hugetlb-shm
init {
	nr_hugepages(count=1)
	process(name=A)
}
P0 (A) {
	r0 = shmget(key=7, size=2M, flags=hugetlb|creat)
	r1 = shmat(id=0, addr=0x100000000)
	r2 = store(addr=0x100000000, value=5)
	r3 = shmctl(id=0, cmd=rmid)
	r4 = load(addr=0x100000000)
	r5 = meminfo(field=free)
	r6 = shmdt(addr=0x100000000)
	r7 = meminfo(field=free)
	r8 = shmat(id=0)
}
forbid violation
)"),
		  "P0:r0=0; P0:r1=0x100000000; P0:r2=0; P0:r3=0; P0:r4=5; P0:r5=0; P0:r6=0; P0:r7=1; "
		  "P0:r8=-EINVAL;");
}

// A hole punch gives the page and its reservation back; fallocate() takes one again.
TEST(HugetlbOps, FallocateAndPunchHoleMoveThePoolCounters)
{
	EXPECT_EQ(only_outcome(R"(mmcheck t/hugetlb-fallocate
init {
	nr_hugepages(count=2)
	hugetlbfs_create(name=F, size=4M)
}
P0 {
	r0 = fallocate(file=F, offset=0, len=4M)
	r1 = meminfo(field=free)
	r2 = fallocate(file=F, mode=punch_hole|keep_size, offset=2M, len=2M)
	r3 = meminfo(field=free)
	r4 = fallocate(file=F, mode=punch_hole, offset=0, len=2M)
}
forbid violation
)"),
		  "P0:r0=0; P0:r1=0; P0:r2=0; P0:r3=1; P0:r4=-EOPNOTSUPP;");
}

// unlink() ends the file's name: an operation on another CPU that names it afterwards is
// absent; before, it runs; in between, its fdget() finds the descriptor closed (EBADF). All
// three are explored, and no order evicts the inode under the fallocate().
TEST(HugetlbOps, OperationsAfterUnlinkAreAbsent)
{
	auto s = scenario(R"(mmcheck t/hugetlb-unlink
init {
	nr_hugepages(count=1)
	hugetlbfs_create(name=F, size=2M)
}
P0 { r0 = unlink(file=F) }
P1 { r0 = fallocate(file=F, offset=0, len=2M) }
forbid violation
)");
	auto r = explore_dfs(s);
	ASSERT_FALSE(r.first) << r.first->violation.message;
	EXPECT_TRUE(r.outcomes.count("P0:r0=0; P1:r0=absent;")) << r.outcomes.size();
	EXPECT_TRUE(r.outcomes.count("P0:r0=0; P1:r0=0;"));
	EXPECT_TRUE(r.outcomes.count("P0:r0=0; P1:r0=-EBADF;"));
}

} // namespace

namespace {

// page_at names the frame a process maps, whatever its number: the pool's first huge page sits
// at pfn 0, and an unmapped address is -ENOENT.
TEST(HugetlbOps, PageAtNamesPfnZeroAndRefusesAnUnmappedAddress)
{
	EXPECT_EQ(only_outcome(R"(mmcheck t/page-at-pfn-0
init {
	nr_hugepages(count=1)
	process(name=A)
	hugetlbfs_create(name=F, size=2M)
}
P0 (A) {
	r0 = mmap(addr=0x100000000, len=2M, prot=read|write, flags=shared|fixed, file=F)
	r1 = store(addr=0x100000000, value=7)
	r2 = page_at(addr=0x100000000, page=H)
	r3 = page_at(addr=0x200000000, page=G)
}
forbid violation
)"),
		  "P0:r0=0x100000000; P0:r1=0; P0:r2=0; P0:r3=-ENOENT;");
}

} // namespace
