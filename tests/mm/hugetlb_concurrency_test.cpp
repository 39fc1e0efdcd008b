// hugetlb with every fix on under the explorer: races a correct kernel must survive. The memory
// oracle judges every access (including the reservation guarantee on SIGBUS) and the structural
// and hugetlb invariants run at the end of each schedule.
#include "hugetlb_harness.hpp"

namespace {

using namespace mmtest;

constexpr unsigned long XA = SEED_XA;
constexpr unsigned long XB = SEED_XB;

void expect_clean_dfs(const MmSpec& s)
{
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// libhugetlbfs alloc-instantiate-race: two processes fault the same page of a shared file with
// one page in the pool. The fault mutex makes the second find the first's page: both succeed.
TEST(HugetlbConcurrency, TwoFaultsRacingForTheLastPageBothSucceed)
{
	MmSpec s;
	s.title = "alloc-instantiate-race";
	s.cfg = hugetlb_config(1);
	s.init = [](check::World& w, Ctx& c) {
		w.set_nr_hugepages(1);
		c.procs["A"] = w.create_process("A");
		c.procs["B"] = w.create_process("B");
		mm::file* f = w.hugetlbfs_create("F", HPAGE_SIZE);
		w.mmap(c.proc("A"), XA, HPAGE_SIZE, RW, SHARED | mm::MAP_FIXED, f);
		w.mmap(c.proc("B"), XB, HPAGE_SIZE, RW, SHARED | mm::MAP_FIXED, f);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { c.results["A"] = w.store(c.proc("A"), XA, 1).kind; });
	s.cpus.push_back([](check::World& w, Ctx& c) { c.results["B"] = w.load(c.proc("B"), XB).kind; });
	s.final = [](check::World&, Ctx& c) {
		EXPECT_EQ(c.results["A"], mm::access_result::ok);
		EXPECT_EQ(c.results["B"], mm::access_result::ok);
	};
	expect_clean_dfs(s);
}

// A private hugetlb mapping forked while another thread writes it: the child sees each page as
// it was at some instant of the fork.
TEST(HugetlbConcurrency, ForkOfAPrivateMappingRacingWithWritesIsClean)
{
	MmSpec s;
	s.title = "hugetlb-fork-vs-write";
	s.cfg = hugetlb_config(4);
	s.init = [](check::World& w, Ctx& c) {
		w.set_nr_hugepages(4);
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), XA, 2 * HPAGE_SIZE, RW, HUGE_ANON_PRIVATE | mm::MAP_FIXED);
		w.store(c.proc("A"), XA, 1);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		mm::process* b = w.fork(c.proc("A"), "B");
		w.load(*b, XA);
		w.store(*b, XA + HPAGE_SIZE, 3);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), XA, 2); });
	expect_clean_dfs(s);
}

// Truncation racing with a fault on the page it cuts off. As modelled from v6.1 the explorer
// finds that the page can outlive the truncation: hugetlb_vmdelete_list() skips A's VMA because
// the fault holds its vma lock (trylock), remove_inode_hugepages() looks the range up once
// before the fault has added its page, and hugetlb_no_page() checked i_size before truncate
// changed it and does not check again ("hugetlb: clean up code checking for fault/truncation
// races"). The page stays in the page cache and mapped past EOF, outside the reserve map. The
// kernel's own comment in hugetlb_vma_lock_alloc() allows that "unlikely races could leave
// pages in a file past i_size"; whether later kernels close it is not checked here.
//
//   P0: A stores to page 1               P1: ftruncate(F, 1 page)
//   fault mutex(1), vma lock (read)
//   hugetlb_no_page: i_size ok, alloc
//                                        i_size := 1 page; vmdelete_list: trylock A fails
//                                        remove_inode_hugepages: no page 1 yet; unreserve
//   add page 1 to the page cache, map it: the store succeeds past EOF
TEST(HugetlbConcurrency, FaultRacingWithTruncateCanLeaveAPagePastEof)
{
	MmSpec s;
	s.title = "hugetlb-truncate-vs-fault";
	s.cfg = hugetlb_config(2);
	s.init = [](check::World& w, Ctx& c) {
		w.set_nr_hugepages(2);
		c.procs["A"] = w.create_process("A");
		mm::file* f = w.hugetlbfs_create("F", 2 * HPAGE_SIZE);
		w.mmap(c.proc("A"), XA, 2 * HPAGE_SIZE, RW, SHARED | mm::MAP_FIXED, f);
		w.store(c.proc("A"), XA, 1);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), XA + HPAGE_SIZE, 2); });
	s.cpus.push_back([](check::World& w, Ctx&) { w.ftruncate(*w.kernel().find_file("F"), HPAGE_SIZE); });
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	const std::string& m = r.first->violation.message;
	EXPECT_TRUE(m.find("allows only SIGBUS") != std::string::npos ||
		    m.find("not in the inode's reserve map") != std::string::npos)
		<< describe_first(r);
	// A fault within the new size races with the truncation harmlessly.
	MmSpec inside = s;
	inside.cpus[0] = [](check::World& w, Ctx& c) { w.store(c.proc("A"), XA, 2); };
	MmProgram q(inside);
	auto clean = run_explorer(q, "dfs", 0, 2);
	EXPECT_FALSE(clean.first.has_value()) << describe_first(clean);
	EXPECT_TRUE(clean.exhausted);
}

// A hole punch racing with a write to the punched page and with a munmap of a sharer.
TEST(HugetlbConcurrency, PunchHoleRacingWithWritesAndMunmapIsClean)
{
	MmSpec s;
	s.title = "hugetlb-punch-vs-write";
	s.cfg = hugetlb_config(3);
	s.init = [](check::World& w, Ctx& c) {
		w.set_check_quiescent(false);
		w.set_nr_hugepages(3);
		c.procs["A"] = w.create_process("A");
		c.procs["B"] = w.create_process("B");
		mm::file* f = w.hugetlbfs_create("F", GIB);
		int fl = SHARED | mm::MAP_NORESERVE | mm::MAP_FIXED;
		w.mmap(c.proc("A"), XA, GIB, RW, fl, f);
		w.mmap(c.proc("B"), XB, GIB, RW, fl, f);
		w.store(c.proc("A"), XA, 1);
		w.load(c.proc("B"), XB);
		w.set_check_quiescent(true);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), XA, 2); });
	s.cpus.push_back([](check::World& w, Ctx&) {
		w.fallocate(*w.kernel().find_file("F"), PUNCH,
			    0, HPAGE_SIZE);
	});
	expect_clean_dfs(s);
}

// Reserved faults racing with an unreserved (NORESERVE) one for the same pool: the reserved
// ones never fail (the oracle checks the guarantee), the unreserved may.
TEST(HugetlbConcurrency, ReservedFaultsNeverFailAgainstAnUnreservedRacer)
{
	MmSpec s;
	s.title = "hugetlb-reserved-vs-noreserve";
	s.cfg = hugetlb_config(2);
	s.init = [](check::World& w, Ctx& c) {
		w.set_nr_hugepages(2);
		c.procs["A"] = w.create_process("A");
		c.procs["B"] = w.create_process("B");
		w.mmap(c.proc("A"), XA, 2 * HPAGE_SIZE, RW, HUGE_ANON_PRIVATE | mm::MAP_FIXED);
		w.mmap(c.proc("B"), XB, HPAGE_SIZE, RW, HUGE_ANON_SHARED | mm::MAP_NORESERVE | mm::MAP_FIXED);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) {
		w.store(c.proc("A"), XA, 1);
		w.store(c.proc("A"), XA + HPAGE_SIZE, 2);
	});
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("B"), XB, 3); });
	expect_clean_dfs(s);
}

// shmdt racing with a fault of another attacher of a shared segment (PMD sharing at 1 GiB).
TEST(HugetlbConcurrency, ShmdtRacingWithAFaultOfAnotherAttachIsClean)
{
	MmSpec s;
	s.title = "hugetlb-shmdt-vs-fault";
	s.cfg = hugetlb_config(2);
	s.init = [](check::World& w, Ctx& c) {
		w.set_check_quiescent(false);
		w.set_nr_hugepages(2);
		c.procs["A"] = w.create_process("A");
		c.procs["B"] = w.create_process("B");
		int id = w.shmget(mm::IPC_PRIVATE, GIB, mm::SHM_HUGETLB | mm::SHM_NORESERVE);
		w.shmat(c.proc("A"), id, XA, 0);
		w.shmat(c.proc("B"), id, XB, 0);
		w.store(c.proc("B"), XB, 1);
		w.shmctl(id, mm::IPC_RMID);
		w.set_check_quiescent(true);
	};
	s.cpus.push_back([](check::World& w, Ctx& c) { w.store(c.proc("A"), XA + HPAGE_SIZE, 2); });
	s.cpus.push_back([](check::World& w, Ctx& c) { w.shmdt(c.proc("B"), XB); });
	expect_clean_dfs(s);
}

} // namespace
