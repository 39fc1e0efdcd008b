// The hugetlb verbs (issue #5): the pool's sysctls, hugetlbfs files, SysV shm with SHM_HUGETLB,
// the HugePages_* counters, and MAP_HUGETLB / MAP_NORESERVE for mmap.
//
// Shm segments are named by the id shmget() returns, as in the kernel; ids count from 0 in
// creation order in every schedule, so a scenario writes them as numbers (shmat(id=0)).
#include "litmus/registry.hpp"

#include "mm/hugetlb.hpp"
#include "sim/engine.hpp"

namespace litmus {
namespace {

using T = ArgType;

Result num(long v)
{
	return {Result::number, v};
}

Param count_param(std::string_view doc)
{
	return {"count", T::integer, doc, true, 0, {}, {}, 0, 1 << 20};
}

void add_pool_ops(Registry& r)
{
	r.add({"nr_hugepages",
	       "write /proc/sys/vm/nr_hugepages: grow or shrink the persistent huge page pool",
	       {count_param("the pool size in 2 MiB pages")},
	       "0",
	       [](OpContext& ctx, const Call& c) { return num(ctx.world().set_nr_hugepages(c.ul("count"))); }});
	r.add({"nr_overcommit_hugepages",
	       "write /proc/sys/vm/nr_overcommit_hugepages: how many surplus pages may be allocated",
	       {count_param("the surplus limit in 2 MiB pages")},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().set_nr_overcommit_hugepages(c.ul("count")));
	       }});
	r.add({"meminfo",
	       "one HugePages_* counter of /proc/meminfo, read at one instant",
	       {{"field", T::choice, "total, free, rsvd or surp", true, 0,
		 {{"total", 0}, {"free", 1}, {"rsvd", 2}, {"surp", 3}}}},
	       "the counter",
	       [](OpContext& ctx, const Call& c) {
		       // hugetlb_report_meminfo() reads the counters without hugetlb_lock; the read is
		       // one scheduling point, so every order with the other CPUs is explored.
		       check::World& w = ctx.world();
		       sim::point(sim::Op::load, sim::WaitKind::none, &w.kernel().hugetlb().h);
		       mm::Kernel::hugetlb_meminfo m = w.meminfo();
		       const unsigned long v[] = {m.total, m.free, m.rsvd, m.surp};
		       return num(static_cast<long>(v[c.num("field")]));
	       }});
}

void add_file_ops(Registry& r)
{
	r.add({"hugetlbfs_create",
	       "a file on the hugetlbfs mount, opened, ftruncate()d to size",
	       {{"name", T::new_file, "its name"},
		{"size", T::size, "its size in bytes, a multiple of 2M (0: empty)", false, 0}},
	       "0, or -EINVAL for a size that is not a multiple of 2M",
	       [](OpContext& ctx, const Call& c) {
		       mm::file* f = ctx.world().hugetlbfs_create(ctx.name(c, "name"), c.ul("size"));
		       if (f == nullptr)
			       return num(-EINVAL);
		       ctx.bind(c, "name", f);
		       return num(0);
	       }});
	r.add({"fallocate",
	       "fallocate() of a hugetlbfs file: allocate pages, or punch a hole (punch_hole|keep_size)",
	       {{"file", T::file, "the file"},
		{"mode", T::flags, "0, keep_size, or punch_hole|keep_size", false, 0,
		 {{"keep_size", mm::FALLOC_FL_KEEP_SIZE}, {"punch_hole", mm::FALLOC_FL_PUNCH_HOLE}}},
		{"offset", T::size, "start in bytes"},
		{"len", T::size, "length in bytes"}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().fallocate(*ctx.file(c, "file"), c.i("mode"), c.ul("offset"),
							c.ul("len")));
	       }});
	Param gone{"file", T::file, "the file"};
	gone.ends = true;
	r.add({"unlink",
	       "unlink() and close() of a hugetlbfs file: it goes when nothing maps it; later operations "
	       "naming it return absent",
	       {gone},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       int ret = ctx.world().unlink(*ctx.file(c, "file"));
		       ctx.bind(c, "file", nullptr); // the name and the descriptor are gone
		       return num(ret);
	       }});
}

void add_shm_ops(Registry& r)
{
	r.add({"shmget",
	       "shmget() with SHM_HUGETLB: find or create a segment backed by huge pages",
	       {{"key", T::integer, "the key (0: IPC_PRIVATE, always a new segment)", true, 0, {}, {}, 0},
		{"size", T::size, "the size in bytes"},
		{"flags", T::flags, "hugetlb (required), creat, noreserve", true, 0,
		 {{"hugetlb", mm::SHM_HUGETLB},
		  {"creat", mm::IPC_CREAT},
		  {"noreserve", mm::SHM_NORESERVE}}}},
	       "the segment id (0, 1, ... in creation order), or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().shmget(c.i("key"), c.ul("size"), c.i("flags")));
	       }});
	r.add({"shmat",
	       "shmat(): map the segment shared, at addr or (addr omitted) anywhere",
	       {{"proc", T::process, "the process (default: the CPU block's)"},
		{"id", T::integer, "the segment id shmget() returned", true, 0, {}, {}, 0},
		{"addr", T::address, "where to attach (0 or omitted: the kernel chooses)", false, 0},
		{"flags", T::flags, "rdonly (0: read-write)", false, 0, {{"rdonly", mm::SHM_RDONLY}}}},
	       "the address, or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().shmat(ctx.process(c, "proc"), c.i("id"), c.ul("addr"),
						    c.i("flags")));
	       }});
	r.add({"shmdt",
	       "shmdt(): detach the segment attached at addr",
	       {{"proc", T::process, "the process (default: the CPU block's)"},
		{"addr", T::address, "the address shmat() returned"}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().shmdt(ctx.process(c, "proc"), c.ul("addr")));
	       }});
	r.add({"shmctl",
	       "shmctl(IPC_RMID): remove the segment now, or at its last detach if attached",
	       {{"id", T::integer, "the segment id", true, 0, {}, {}, 0},
		{"cmd", T::choice, "rmid", true, 0, {{"rmid", mm::IPC_RMID}}}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().shmctl(c.i("id"), c.i("cmd")));
	       }});
}

} // namespace

void register_hugetlb(Registry& r)
{
	add_pool_ops(r);
	add_file_ops(r);
	add_shm_ops(r);
	r.extend("mmap", "flags", {{"hugetlb", mm::MAP_HUGETLB}, {"noreserve", mm::MAP_NORESERVE}});
}

} // namespace litmus
