// Differential test against this machine's kernel: the same operation sequences run on the model
// (through check::World) and through real syscalls (mmap MAP_HUGETLB, a hugetlbfs mount, SysV
// shm with SHM_HUGETLB, fork, ftruncate, fallocate), and after every step HugePages_Total/Free/
// Rsvd/Surp of /proc/meminfo must equal the model's counters, and every result (mmap errors,
// SIGBUS) must agree. Runs when it can (root, hugetlb, a settable pool); it restores the sysctls
// it changes and skips with the reason otherwise.
#include "hugetlb_harness.hpp"
#include "hugetlb_real_kernel.hpp"

#include <sys/mman.h>
#include <sys/shm.h>

#include <map>

namespace {

using namespace mmtest;

struct Step {
	enum Kind {
		pool, overcommit, create, truncate, falloc, unlink, spawn, map, unmap, store, load,
		fork, exit, shmget, shmat, shmdt, rmid
	} kind = pool;
	std::string proc = {}, name = {}, file = {}; // process, mapping (or child / segment), file
	unsigned long a = 0, b = 0;                  // counts in huge pages
	int flags = 0;
};

std::string text(const Step& s)
{
	static const char* names[] = {"nr_hugepages", "nr_overcommit_hugepages", "create", "ftruncate",
				      "fallocate", "unlink", "spawn", "mmap", "munmap", "store",
				      "load", "fork", "exit", "shmget", "shmat", "shmdt", "IPC_RMID"};
	return std::string(names[s.kind]) + " " + s.proc + " " + s.name + " " + s.file + " " +
	       std::to_string(s.a) + " " + std::to_string(s.b) + " flags " + std::to_string(s.flags);
}

// The system's IPC_* and SHM_* macros have the kernel's values, as the model's constants.

// Results are compared after normalising: 0 ok, 1 SIGBUS, negative errno.
struct ModelSide {
	check::World w;
	std::map<std::string, mm::process*> procs;
	std::map<std::string, unsigned long> maps; // "proc/name" -> address
	std::map<std::string, mm::file*> files;
	std::map<std::string, int> segs;

	ModelSide() { w.reset(hugetlb_config(8)); }

	long run(const Step& s)
	{
		switch (s.kind) {
		case Step::pool:
			return w.set_nr_hugepages(s.a);
		case Step::overcommit:
			return w.set_nr_overcommit_hugepages(s.a);
		case Step::create:
			files[s.file] = w.hugetlbfs_create(s.file, s.a * HPAGE_SIZE);
			return files[s.file] ? 0 : -1;
		case Step::truncate:
			return w.ftruncate(*files[s.file], s.a * HPAGE_SIZE);
		case Step::falloc:
			return w.fallocate(*files[s.file], s.flags, s.a * HPAGE_SIZE, s.b * HPAGE_SIZE);
		case Step::unlink:
			return w.unlink(*files[s.file]);
		case Step::spawn:
			procs[s.proc] = w.create_process(s.proc);
			return 0;
		case Step::map: {
			mm::file* f = s.file.empty() ? nullptr : files[s.file];
			long r = w.mmap(*procs[s.proc], 0, s.a * HPAGE_SIZE, RW, s.flags, f);
			if (r < 0)
				return r;
			maps[s.proc + "/" + s.name] = static_cast<unsigned long>(r);
			return 0;
		}
		case Step::unmap:
			return w.munmap(*procs[s.proc], maps[s.proc + "/" + s.name], s.a * HPAGE_SIZE);
		case Step::store:
		case Step::load: {
			unsigned long addr = maps[s.proc + "/" + s.name] + s.a * HPAGE_SIZE;
			mm::access_result r = s.kind == Step::store ? w.store(*procs[s.proc], addr, s.a + 1)
								    : w.load(*procs[s.proc], addr);
			return r.kind == mm::access_result::sigbus ? 1 : r.kind == mm::access_result::ok ? 0 : -1;
		}
		case Step::fork: {
			procs[s.name] = w.fork(*procs[s.proc], s.name);
			for (auto [k, v] : std::map<std::string, unsigned long>(maps))
				if (k.rfind(s.proc + "/", 0) == 0)
					maps[s.name + k.substr(s.proc.size())] = v;
			return procs[s.name] ? 0 : -1;
		}
		case Step::exit:
			w.exit(*procs[s.proc]);
			return 0;
		case Step::shmget:
			segs[s.name] = w.shmget(IPC_PRIVATE, s.a * HPAGE_SIZE, SHM_HUGETLB | s.flags);
			return segs[s.name] >= 0 ? 0 : segs[s.name];
		case Step::shmat: {
			long r = w.shmat(*procs[s.proc], segs[s.name], 0, 0);
			if (r < 0)
				return r;
			maps[s.proc + "/" + s.name] = static_cast<unsigned long>(r);
			return 0;
		}
		case Step::shmdt:
			return w.shmdt(*procs[s.proc], maps[s.proc + "/" + s.name]);
		case Step::rmid:
			return w.shmctl(segs[s.name], IPC_RMID);
		}
		return -1;
	}
};

struct RealSide {
	realk::RealKernel k;
	std::map<std::string, int> segs;

	long run(const Step& s)
	{
		switch (s.kind) {
		case Step::pool:
			return k.set_nr_hugepages(s.a) ? 0 : -1;
		case Step::overcommit:
			return k.set_nr_overcommit_hugepages(s.a) ? 0 : -1;
		case Step::create:
			return k.create_file(s.file, s.a * HPAGE_SIZE) ? 0 : -1;
		case Step::truncate:
			return k.ftruncate(s.file, s.a * HPAGE_SIZE);
		case Step::falloc:
			return k.fallocate(s.file, s.flags, s.a * HPAGE_SIZE, s.b * HPAGE_SIZE);
		case Step::unlink:
			return k.unlink(s.file);
		case Step::spawn:
			return k.spawn(s.proc) ? 0 : -1;
		case Step::map:
			return k.mmap(s.proc, s.name, s.file, s.a * HPAGE_SIZE, s.flags, PROT_READ | PROT_WRITE);
		case Step::unmap:
			return k.munmap(s.proc, s.name);
		case Step::store:
		case Step::load:
			return k.access(s.proc, s.name, s.a * HPAGE_SIZE, s.kind == Step::store);
		case Step::fork:
			return k.fork(s.proc, s.name) ? 0 : -1;
		case Step::exit:
			k.exit(s.proc);
			return 0;
		case Step::shmget: {
			int id = k.shmget(s.a * HPAGE_SIZE, SHM_HUGETLB | s.flags);
			segs[s.name] = id;
			return id >= 0 ? 0 : id;
		}
		case Step::shmat:
			return k.shmat(s.proc, s.name, segs[s.name]);
		case Step::shmdt:
			return k.shmdt(s.proc, s.name);
		case Step::rmid:
			return k.shmctl_rmid(segs[s.name]);
		}
		return -1;
	}
};

void run_script(const std::vector<Step>& script)
{
	RealSide real;
	std::string why = real.k.setup();
	if (!why.empty())
		GTEST_SKIP() << "the real kernel cannot be used: " << why;
	ModelSide model;
	for (std::size_t i = 0; i < script.size(); ++i) {
		const Step& s = script[i];
		long want = real.run(s);
		long got = model.run(s);
		EXPECT_EQ(got, want) << "step " << i << " (" << text(s) << "): model result " << got
				     << ", kernel result " << want;
		auto m = realk::read_meminfo();
		ASSERT_TRUE(m.has_value());
		Meminfo k{m->total, m->free, m->rsvd, m->surp};
		ASSERT_EQ(model.w.meminfo(), k) << "after step " << i << " (" << text(s) << ")";
	}
}

constexpr int MAP_ANON_HUGE = MAP_ANONYMOUS | MAP_HUGETLB;

TEST(HugetlbDifferential, SharedFileMappingAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 4},
		    {Step::create, "", "", "F", 3},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "F", 3, 0, MAP_SHARED},
		    {Step::store, "A", "m", "", 0},
		    {Step::load, "A", "m", "", 1},
		    {Step::unmap, "A", "m", "", 3},
		    {Step::unlink, "", "", "F"}});
}

TEST(HugetlbDifferential, PrivateForkAndOwnerCowAgreeWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 4},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "", 3, 0, MAP_PRIVATE | MAP_ANON_HUGE},
		    {Step::store, "A", "m", "", 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::fork, "A", "B"},
		    {Step::store, "B", "m", "", 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::load, "B", "m", "", 1},
		    {Step::exit, "B"},
		    {Step::store, "A", "m", "", 2},
		    {Step::exit, "A"}});
}

TEST(HugetlbDifferential, ChildCowWithAnEmptyPoolAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 2},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "", 2, 0, MAP_PRIVATE | MAP_ANON_HUGE},
		    {Step::store, "A", "m", "", 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::fork, "A", "B"},
		    {Step::store, "B", "m", "", 1},
		    {Step::exit, "B"},
		    {Step::exit, "A"}});
}

TEST(HugetlbDifferential, OvercommitSurplusAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 0},
		    {Step::overcommit, "", "", "", 2},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "", 3, 0, MAP_SHARED | MAP_ANON_HUGE},
		    {Step::map, "A", "m", "", 2, 0, MAP_SHARED | MAP_ANON_HUGE},
		    {Step::store, "A", "m", "", 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::unmap, "A", "m", "", 2},
		    {Step::overcommit, "", "", "", 0}});
}

TEST(HugetlbDifferential, NoreserveAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 2},
		    {Step::spawn, "A"},
		    {Step::create, "", "", "F", 4},
		    {Step::map, "A", "r", "F", 1, 0, MAP_SHARED},
		    {Step::map, "A", "n", "F", 4, 0, MAP_SHARED | MAP_NORESERVE},
		    {Step::store, "A", "n", "", 2},
		    {Step::store, "A", "n", "", 3},
		    {Step::store, "A", "n", "", 0},
		    {Step::exit, "A"},
		    {Step::unlink, "", "", "F"}});
}

TEST(HugetlbDifferential, TruncatePunchHoleAndFallocateAgreeWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 5},
		    {Step::create, "", "", "F", 4},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "F", 4, 0, MAP_SHARED},
		    {Step::store, "A", "m", "", 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::store, "A", "m", "", 3},
		    {Step::falloc, "", "", "F", 0, 2, mm::FALLOC_FL_PUNCH_HOLE | mm::FALLOC_FL_KEEP_SIZE},
		    {Step::load, "A", "m", "", 2},
		    {Step::truncate, "", "", "F", 3},
		    {Step::load, "A", "m", "", 0},
		    {Step::falloc, "", "", "F", 0, 5, 0},
		    {Step::store, "A", "m", "", 1},
		    {Step::exit, "A"},
		    {Step::unlink, "", "", "F"}});
}

TEST(HugetlbDifferential, PrivateMappingOfAFileAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 4},
		    {Step::create, "", "", "F", 2},
		    {Step::spawn, "A"},
		    {Step::map, "A", "s", "F", 2, 0, MAP_SHARED},
		    {Step::store, "A", "s", "", 0},
		    {Step::map, "A", "p", "F", 2, 0, MAP_PRIVATE},
		    {Step::load, "A", "p", "", 0},
		    {Step::store, "A", "p", "", 0},
		    {Step::store, "A", "p", "", 1},
		    {Step::fork, "A", "B"},
		    {Step::load, "B", "s", "", 0},
		    {Step::store, "B", "p", "", 1},
		    {Step::exit, "B"},
		    {Step::unmap, "A", "p", "", 2},
		    {Step::exit, "A"},
		    {Step::unlink, "", "", "F"}});
}

TEST(HugetlbDifferential, ShmAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 4},
		    {Step::shmget, "", "S", "", 2},
		    {Step::spawn, "A"},
		    {Step::spawn, "B"},
		    {Step::shmat, "A", "S"},
		    {Step::store, "A", "S", "", 0},
		    {Step::shmat, "B", "S"},
		    {Step::load, "B", "S", "", 0},
		    {Step::shmdt, "A", "S"},
		    {Step::rmid, "", "S"},
		    {Step::shmdt, "B", "S"},
		    {Step::shmget, "", "T", "", 2, 0, SHM_NORESERVE},
		    {Step::shmat, "A", "T"},
		    {Step::store, "A", "T", "", 1},
		    {Step::rmid, "", "T"},
		    {Step::exit, "A"},
		    {Step::exit, "B"}});
}

TEST(HugetlbDifferential, ResizingThePoolAgreesWithTheKernel)
{
	run_script({{Step::pool, "", "", "", 2},
		    {Step::spawn, "A"},
		    {Step::map, "A", "m", "", 2, 0, MAP_SHARED | MAP_ANON_HUGE},
		    {Step::store, "A", "m", "", 0},
		    {Step::pool, "", "", "", 0},
		    {Step::pool, "", "", "", 1},
		    {Step::store, "A", "m", "", 1},
		    {Step::unmap, "A", "m", "", 2},
		    {Step::pool, "", "", "", 3},
		    {Step::map, "A", "m", "", 4, 0, MAP_SHARED | MAP_ANON_HUGE},
		    {Step::exit, "A"}});
}

} // namespace
