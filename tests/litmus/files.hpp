// Reading the test and scenario files of the source tree.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace litmus_test {

inline std::string source_dir()
{
	return MMCHECK_SOURCE_DIR;
}

// Every file below `rel` (relative to the source dir) ending in `ext`, as paths relative to
// the source dir, sorted.
inline std::vector<std::string> files_below(const std::string& rel, const std::string& ext)
{
	namespace fs = std::filesystem;
	std::vector<std::string> out;
	fs::path root = fs::path(source_dir()) / rel;
	if (!fs::is_directory(root))
		return out;
	for (const auto& e : fs::recursive_directory_iterator(root))
		if (e.is_regular_file() && e.path().extension() == ext)
			out.push_back(fs::relative(e.path(), source_dir()).string());
	std::sort(out.begin(), out.end());
	return out;
}

inline std::string read(const std::string& rel)
{
	std::ifstream in(std::filesystem::path(source_dir()) / rel, std::ios::binary);
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// A gtest parameter name from a path: letters and digits only.
inline std::string param_name(const std::string& path)
{
	std::string n;
	for (char c : path)
		n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
	return n;
}

} // namespace litmus_test
