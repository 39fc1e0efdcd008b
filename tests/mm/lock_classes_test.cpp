// The documented lock order (src/mm/lock_classes.def): the README draws the same nestings, and
// lockdep reports an acquisition against it on the first schedule that takes it.
#include "mm/lock_classes.hpp"
#include "sim/harness.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace {

using Nesting = std::pair<std::string, std::string>;

std::set<Nesting> def_nestings()
{
	const sim::LockOrder& o = mm::kernel_lock_order;
	std::set<Nesting> s;
	for (int i = 0; i < o.nedges; ++i)
		s.insert({o.names[o.edges[i].outer], o.names[o.edges[i].inner]});
	return s;
}

// Every "a -> b -> c" chain of the README's "## Lock order" code block, as adjacent pairs.
std::set<Nesting> readme_nestings()
{
	std::ifstream in(MMCHECK_SOURCE_DIR "/src/mm/README.md");
	std::stringstream ss;
	ss << in.rdbuf();
	const std::string text = ss.str();
	std::size_t at = text.find("\n## Lock order");
	std::size_t open = text.find("```\n", at);
	std::size_t close = text.find("\n```", open + 4);
	EXPECT_NE(at, std::string::npos);
	EXPECT_NE(close, std::string::npos);
	std::istringstream block(text.substr(open + 4, close - open - 4));
	std::set<Nesting> s;
	for (std::string line; std::getline(block, line);) {
		if (line.find(" -> ") == std::string::npos || line.front() == ' ')
			continue; // a heading or a continuation line with the where-notes
		line = line.substr(0, line.find("  ")); // the notes start after a run of spaces
		std::string prev;
		for (std::size_t pos = 0;;) {
			std::size_t arrow = line.find(" -> ", pos);
			std::string name = line.substr(pos, arrow == std::string::npos ? std::string::npos : arrow - pos);
			if (!prev.empty())
				s.insert({prev, name});
			prev = name;
			if (arrow == std::string::npos)
				break;
			pos = arrow + 4;
		}
	}
	return s;
}

TEST(LockClasses, ReadmeDrawsExactlyTheNestingsOfTheDef)
{
	std::set<Nesting> def = def_nestings(), readme = readme_nestings();
	for (const Nesting& n : def)
		EXPECT_TRUE(readme.count(n)) << n.first << " -> " << n.second
					     << " is in lock_classes.def but not in src/mm/README.md";
	for (const Nesting& n : readme)
		EXPECT_TRUE(def.count(n)) << n.first << " -> " << n.second
					  << " is in src/mm/README.md but not in lock_classes.def";
}

TEST(LockClasses, EveryClassHasAPlaceInTheOrder)
{
	const sim::LockOrder& o = mm::kernel_lock_order;
	for (int c = 0; c < o.n; ++c) {
		bool placed = false;
		for (int d = 0; d < o.n; ++d)
			placed |= o.documented_before(c, d) || o.documented_before(d, c);
		EXPECT_TRUE(placed) << o.names[c] << " is nested with nothing in lock_classes.def";
	}
	// Transitive: no line of the .def nests anon_vma->rwsem under i_rwsem; the closure does,
	// through i_mmap_rwsem.
	EXPECT_TRUE(o.documented_before(mm::i_rwsem_class.doc, mm::anon_vma_rwsem_class.doc));
	EXPECT_FALSE(o.documented_before(mm::ptl_class_for_tables.doc, mm::mmap_lock_class.doc));
}

// One task, one schedule: i_mmap_rwsem then i_rwsem is reported at once, with the documented
// nesting it contradicts; no second order has to be seen first.
TEST(LockClasses, AcquisitionAgainstTheDocumentedOrderIsReportedAtOnce)
{
	sim::RwSem i_rwsem{&mm::i_rwsem_class};
	sim::RwSem i_mmap{&mm::i_mmap_rwsem_class};
	simtest::World w;
	w.setup = [&] {
		i_rwsem.owner = i_mmap.owner = -1;
		i_rwsem.readers = i_mmap.readers = 0;
	};
	w.tasks = {[&] {
		MM_FRAME("bad_truncate");
		i_mmap.down_write();
		i_rwsem.down_write();
		i_rwsem.up_write();
		i_mmap.up_write();
	}};
	auto r = simtest::explore_all(w);
	ASSERT_EQ(r.violations.size(), 1u);
	const sim::Violation& v = r.violations[0];
	EXPECT_EQ(v.kind, sim::ViolationKind::lock_order);
	EXPECT_NE(v.message.find("takes i_rwsem while holding i_mmap_rwsem, against the documented "
				 "order (src/mm/lock_classes.def)"),
		  std::string::npos)
		<< v.message;
	std::string detail;
	for (const auto& d : v.detail)
		detail += d + "\n";
	EXPECT_NE(detail.find("documented: i_rwsem -> i_mmap_rwsem (unmap_mapping_range (ftruncate))"),
		  std::string::npos)
		<< detail;
}

// The documented order, and a trylock against it (which cannot wait, so cannot deadlock), are
// quiet.
TEST(LockClasses, DocumentedOrderAndTrylocksAgainstItAreQuiet)
{
	sim::SpinLock ptl{&mm::ptl_class_for_tables};
	sim::RwSem i_mmap{&mm::i_mmap_rwsem_class};
	simtest::World w;
	w.setup = [&] {
		ptl.owner = i_mmap.owner = -1;
		i_mmap.readers = 0;
	};
	w.tasks = {[&] {
			   i_mmap.down_write();
			   ptl.lock();
			   ptl.unlock();
			   i_mmap.up_write();
		   },
		   [&] {
			   ptl.lock();
			   if (i_mmap.down_read_trylock())
				   i_mmap.up_read();
			   ptl.unlock();
		   }};
	auto r = simtest::explore_all(w);
	EXPECT_GT(r.schedules, 1u);
	EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
}

} // namespace
