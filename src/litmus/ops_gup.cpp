// GUP, THP and khugepaged verbs (issue #7): pin pages (GUP-fast or the slow path), DMA
// through a pin, unpin; the THP sysfs switch; khugepaged's collapse of a 2 MiB range; and
// the transparent_hugepage config key.
#include "litmus/registry.hpp"

#include "check/pins.hpp"
#include "mm/gup.hpp"
#include "mm/huge_mm.hpp"

namespace litmus {
namespace {

using T = ArgType;

Result num(long v)
{
	return {Result::number, v};
}

Param pin_param(bool ends = false)
{
	Param p{"pin", T::object, "the pin (a handle from gup)"};
	p.object_kind = "pin";
	p.ends = ends;
	return p;
}

Param page_param()
{
	return {"page", T::integer, "which page of the pin (0 = the first)", false, 0, {}, {},
		0, check::Pin::kMaxPages - 1};
}

int handle(OpContext& ctx, const Call& c)
{
	return static_cast<check::Pin*>(ctx.object(c, "pin"))->handle;
}

// MADV_COLLAPSE's errno for a failed scan (madvise_collapse_errno(), mm/khugepaged.c).
long collapse_errno(int scan)
{
	switch (scan) {
	case mm::SCAN_SUCCEED:
	case mm::SCAN_PMD_MAPPED:
		return 0;
	case mm::SCAN_ALLOC_HUGE_PAGE_FAIL:
		return -ENOMEM;
	case mm::SCAN_PAGE_COUNT:
	case mm::SCAN_PAGE_LOCK:
	case mm::SCAN_PAGE_LRU:
	case mm::SCAN_DEL_PAGE_LRU:
	case mm::SCAN_PAGE_COMPOUND:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

} // namespace

void register_gup(Registry& r)
{
	r.add({"gup",
	       "get_user_pages_fast()/pin_user_pages_fast() (path=fast, the default) or the slow "
	       "path alone (path=slow): references on the pages from addr",
	       {{"proc", T::process, "the process (default: the CPU block's)"},
		{"addr", T::address, "start address"},
		{"pages", T::integer, "how many pages", false, 1, {}, {}, 1, check::Pin::kMaxPages},
		{"flags", T::flags, "pin (FOLL_PIN) or get (FOLL_GET), and write (FOLL_WRITE)", true, 0,
		 {{"pin", mm::FOLL_PIN}, {"get", mm::FOLL_GET}, {"write", mm::FOLL_WRITE}}},
		{"path", T::choice, "fast (GUP-fast, then the slow path) or slow", false, 1,
		 {{"slow", 0}, {"fast", 1}}},
		{"pin", T::new_object, "the name of the pin", true, 0, {}, "pin"}},
	       "the number of pages taken, or -errno (then the pin does not exist)",
	       [](OpContext& ctx, const Call& c) {
		       check::World& w = ctx.world();
		       int h = w.pin(ctx.process(c, "proc"), c.ul("addr"), c.i("pages"),
				     static_cast<unsigned>(c.num("flags")), c.num("path") != 0);
		       if (h < 0)
			       return num(h);
		       ctx.bind(c, "pin", w.pins().find(h));
		       return num(w.pin_pages(h));
	       }});
	r.add({"unpin",
	       "unpin_user_pages() (FOLL_PIN) or put_page() (FOLL_GET) of every page of the pin",
	       {pin_param(true)},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().unpin(handle(ctx, c));
		       return num(0);
	       }});
	r.add({"dma_read",
	       "a device reads a pinned page (judged against what the process sees there)",
	       {pin_param(), page_param()},
	       "the value read",
	       [](OpContext& ctx, const Call& c) {
		       return num(static_cast<long>(ctx.world().dma_read(handle(ctx, c), c.i("page"))));
	       }});
	r.add({"dma_write",
	       "a device writes a page pinned with write (the process must then see it)",
	       {pin_param(), page_param(), {"value", T::integer, "the value"}},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().dma_write(handle(ctx, c), c.i("page"),
					     static_cast<std::uint64_t>(c.num("value")));
		       return num(0);
	       }});
	r.add({"thp",
	       "echo always|never > /sys/kernel/mm/transparent_hugepage/enabled",
	       {{"enabled", T::choice, "always or never", true, 0, {{"never", 0}, {"always", 1}}}},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().set_thp(c.num("enabled") != 0);
		       return num(0);
	       }});
	r.add({"collapse",
	       "khugepaged scans the 2 MiB range around addr and collapses it into a THP",
	       {{"proc", T::process, "the process (default: the CPU block's)"},
		{"addr", T::address, "an address in the range"}},
	       "0 (collapsed, or already a THP) or -errno as MADV_COLLAPSE reports a failed scan",
	       [](OpContext& ctx, const Call& c) {
		       return num(collapse_errno(ctx.world().collapse(ctx.process(c, "proc"),
								       c.ul("addr"))));
	       }});
	r.add({"transparent_hugepage",
	       "sysfs transparent_hugepage/enabled at boot: always or never",
	       {"", T::choice, "", true, 0, {{"never", 0}, {"always", 1}}},
	       [](ScenarioConfig& cfg, std::int64_t v) { cfg.mm.transparent_hugepage = v != 0; }});
}

} // namespace litmus
