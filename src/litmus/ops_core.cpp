// The mm core's verbs (the World operations of issue #3) and the config keys every scenario
// has: machine size, TLB flush and table-free modes, and the explorer's defaults.
#include "litmus/registry.hpp"

#include "mm/types.hpp"

namespace litmus {
namespace {

using T = ArgType;

Param proc_param()
{
	return {"proc", T::process, "the process (default: the CPU block's)"};
}
Param addr_param(std::string_view doc = "start address")
{
	return {"addr", T::address, doc};
}
Param len_param(std::string_view name = "len",
		std::string_view doc = "length in bytes (rounded up to pages)")
{
	return {name, T::size, doc};
}
Param prot_param()
{
	return {"prot", T::flags, "protection: none, or read|write|exec", true, 0,
		{{"none", mm::PROT_NONE},
		 {"read", mm::PROT_READ},
		 {"write", mm::PROT_WRITE},
		 {"exec", mm::PROT_EXEC}}};
}

Result num(long v)
{
	return {Result::number, v};
}

void add_process_ops(Registry& r)
{
	r.add({"process",
	       "a new process with an empty address space",
	       {{"name", T::new_process, "its name"}},
	       "its pid, or -ENOMEM",
	       [](OpContext& ctx, const Call& c) {
		       mm::process* p = ctx.world().create_process(ctx.name(c, "name"));
		       if (p == nullptr)
			       return num(-ENOMEM);
		       ctx.bind(c, "name", p);
		       return num(p->pid);
	       }});
	r.add({"fork",
	       "fork(): the child gets a copy-on-write copy of the parent's address space",
	       {proc_param(), {"child", T::new_process, "the child's name"}},
	       "the child's pid, or -ENOMEM",
	       [](OpContext& ctx, const Call& c) {
		       mm::process* child = ctx.world().fork(ctx.process(c, "proc"), ctx.name(c, "child"));
		       if (child == nullptr)
			       return num(-ENOMEM);
		       ctx.bind(c, "child", child);
		       return num(child->pid);
	       }});
	Param dying = proc_param();
	dying.ends = true;
	r.add({"exit",
	       "exit(): the process drops its mm; the last user tears the address space down",
	       {dying},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().exit(ctx.process(c, "proc"));
		       return num(0);
	       }});
}

void add_file_ops(Registry& r)
{
	r.add({"create_file",
	       "a tmpfs file whose pages start zeroed",
	       {{"name", T::new_file, "its name"}, {"size", T::size, "its size in bytes"}},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       mm::file* f = ctx.world().create_file(ctx.name(c, "name"), c.ul("size"));
		       ctx.bind(c, "name", f);
		       return num(0);
	       }});
	r.add({"ftruncate",
	       "ftruncate(): shrinking unmaps the cut pages from every process and drops them",
	       {{"file", T::file, "the file"}, {"size", T::size, "the new size in bytes"}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().ftruncate(*ctx.file(c, "file"), c.ul("size")));
	       }});
}

void add_vma_ops(Registry& r)
{
	r.add({"mmap",
	       "mmap(): anonymous memory, or a file with file=NAME",
	       {proc_param(),
		{"addr", T::address, "address (a hint unless flags has fixed)", false, 0},
		len_param(),
		prot_param(),
		{"flags", T::flags, "shared or private, anonymous, fixed", true, 0,
		 {{"shared", mm::MAP_SHARED},
		  {"private", mm::MAP_PRIVATE},
		  {"anonymous", mm::MAP_ANONYMOUS},
		  {"fixed", mm::MAP_FIXED}}},
		{"file", T::file, "the file to map (omit for anonymous memory)", false},
		{"offset", T::size, "offset in the file, page aligned", false, 0}},
	       "the address, or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().mmap(ctx.process(c, "proc"), c.ul("addr"), c.ul("len"),
						   c.i("prot"), c.i("flags"), ctx.file(c, "file"),
						   c.ul("offset")));
	       }});
	r.add({"munmap",
	       "munmap()",
	       {proc_param(), addr_param(), len_param()},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().munmap(ctx.process(c, "proc"), c.ul("addr"), c.ul("len")));
	       }});
	r.add({"mprotect",
	       "mprotect()",
	       {proc_param(), addr_param(), len_param(), prot_param()},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().mprotect(ctx.process(c, "proc"), c.ul("addr"),
						       c.ul("len"), c.i("prot")));
	       }});
	r.add({"mremap",
	       "mremap(): resize or move a mapping",
	       {proc_param(),
		addr_param("old address"),
		len_param("old_len", "old length in bytes"),
		len_param("new_len", "new length in bytes"),
		{"flags", T::flags, "maymove, fixed (0: neither)", false, 0,
		 {{"maymove", mm::MREMAP_MAYMOVE}, {"fixed", mm::MREMAP_FIXED}}},
		{"new_addr", T::address, "destination with flags=maymove|fixed", false, 0}},
	       "the new address, or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().mremap(ctx.process(c, "proc"), c.ul("addr"),
						     c.ul("old_len"), c.ul("new_len"), c.i("flags"),
						     c.ul("new_addr")));
	       }});
	r.add({"madvise",
	       "madvise()",
	       {proc_param(), addr_param(), len_param(),
		{"advice", T::choice, "dontneed", true, 0, {{"dontneed", mm::MADV_DONTNEED}}}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().madvise(ctx.process(c, "proc"), c.ul("addr"),
						      c.ul("len"), c.i("advice")));
	       }});
}

void add_access_ops(Registry& r)
{
	r.add({"load",
	       "a user load of the word at addr, through this CPU's TLB, faulting as needed",
	       {proc_param(), addr_param("the address")},
	       "the value loaded, or sigsegv | sigbus | oom | dead",
	       [](OpContext& ctx, const Call& c) {
		       return from_access(ctx.world().load(ctx.process(c, "proc"), c.ul("addr")));
	       }});
	r.add({"store",
	       "a user store to the word at addr, through this CPU's TLB, faulting as needed",
	       {proc_param(), addr_param("the address"),
		{"value", T::integer, "the value stored"}},
	       "0, or sigsegv | sigbus | oom | dead",
	       [](OpContext& ctx, const Call& c) {
		       Result res = from_access(ctx.world().store(
			   ctx.process(c, "proc"), c.ul("addr"), static_cast<std::uint64_t>(c.num("value"))));
		       if (res.kind == Result::number)
			       res.num = 0;
		       return res;
	       }});
}

void add_config(Registry& r)
{
	r.add({"nr_frames", "4 KiB frames of simulated RAM (default 4096)",
	       {"", T::integer, "", true, 0, {}, {}, 16, 1 << 20},
	       [](ScenarioConfig& c, std::int64_t v) { c.mm.nr_frames = static_cast<std::size_t>(v); }});
	r.add({"tlb_flush", "how TLBs are flushed: ipi (x86, waits for IRQs-off CPUs) or broadcast",
	       {"", T::choice, "", true, 0,
		{{"ipi", static_cast<int>(mm::TlbFlushMode::ipi)},
		 {"broadcast", static_cast<int>(mm::TlbFlushMode::broadcast)}}},
	       [](ScenarioConfig& c, std::int64_t v) { c.mm.tlb_flush = static_cast<mm::TlbFlushMode>(v); }});
	r.add({"table_free",
	       "when freed page-table pages are reused: immediate, rcu (after a grace period) or "
	       "ipi_sync (after an IPI to every CPU)",
	       {"", T::choice, "", true, 0,
		{{"immediate", static_cast<int>(mm::TableFreeMode::immediate)},
		 {"rcu", static_cast<int>(mm::TableFreeMode::rcu)},
		 {"ipi_sync", static_cast<int>(mm::TableFreeMode::ipi_sync)}}},
	       [](ScenarioConfig& c, std::int64_t v) { c.mm.table_free = static_cast<mm::TableFreeMode>(v); }});
	r.add({"strategy", "default strategy: random, pct or dfs (default pct)",
	       {"", T::choice, "", true, 0, {{"random", 0}, {"pct", 1}, {"dfs", 2}}},
	       [](ScenarioConfig& c, std::int64_t v) {
		       c.explore.strategy = v == 0 ? "random" : v == 1 ? "pct" : "dfs";
	       }});
	r.add({"schedules", "default budget in schedules, 0 = no limit (default 10000)",
	       {"", T::integer, "", true, 0, {}, {}, 0},
	       [](ScenarioConfig& c, std::int64_t v) { c.explore.max_schedules = static_cast<std::uint64_t>(v); }});
	r.add({"seed", "default seed of random and pct (default 1)",
	       {"", T::integer, "", true, 0, {}, {}, 0},
	       [](ScenarioConfig& c, std::int64_t v) { c.explore.seed = static_cast<std::uint64_t>(v); }});
	r.add({"preemption_bound", "dfs: preemptions per schedule, -1 = unbounded (default 2)",
	       {"", T::integer, "", true, 0, {}, {}, -1, 1000},
	       [](ScenarioConfig& c, std::int64_t v) { c.explore.preemption_bound = static_cast<int>(v); }});
	r.add({"pct_depth", "pct: bug depth (default 3)",
	       {"", T::integer, "", true, 0, {}, {}, 1, 1000},
	       [](ScenarioConfig& c, std::int64_t v) { c.explore.pct_depth = static_cast<int>(v); }});
	r.add({"max_steps", "step budget of one schedule (default 200000)",
	       {"", T::integer, "", true, 0, {}, {}, 1},
	       [](ScenarioConfig& c, std::int64_t v) { c.explore.engine.max_steps = static_cast<std::uint64_t>(v); }});
}

} // namespace

void register_core(Registry& r)
{
	add_process_ops(r);
	add_file_ops(r);
	add_vma_ops(r);
	add_access_ops(r);
	add_config(r);
}

} // namespace litmus
