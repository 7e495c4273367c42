// Random loss weighting (Lin et al., TMLR 2022), as in LibMTL: every step draws z ~ N(0, I_K) and
// uses lambda = softmax(z), so the weights sum to 1, not to K. We keep LibMTL's (and the paper's)
// scale rather than multiplying by K: the reference numbers were obtained with it, and a run that
// wants EW's scale can raise the learning rate. combined = sum_t lambda_t g_t; task-specific
// parameters get lambda_t times their task's gradient.
//
// The normals come from a std::mt19937_64 seeded with the run's seed through our own Box-Muller
// transform: std::normal_distribution is implementation-defined, so its numbers would differ
// between standard libraries and a run would not reproduce across builds. Steps on which
// LinearMethod falls back (non-finite losses or Gram) draw nothing.

#include <cmath>
#include <random>

#include "methods/gradient_method.h"
#include "methods/host_math.h"
#include "methods/method_infos.h"

namespace seesaw {
namespace {

constexpr double kTwoPi = 6.283185307179586476925;

class Rlw : public LinearMethod
{
public:
  explicit Rlw(uint64_t seed) : rng_(seed) {}
  void saveState(SavedState& s) const override { s.putEngine("rng", rng_); }
  void loadState(const SavedState& s) override { s.restoreEngine("rng", rng_); }

private:
  // A uniform in [0, 1) from the top 53 bits, exactly representable as a double.
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  double standardNormal()
  {
    // 1 - u lies in (0, 1], so the log is finite; |z| <= sqrt(-2 ln 2^-53) < 8.6.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return radius * std::cos(kTwoPi * uniform());
  }

  Coefficients coefficients(const MethodInput& input) override
  {
    const size_t K = input.losses.size();
    std::vector<double> z(K);
    for (double& x : z) x = standardNormal();
    const std::vector<double> lambda = softmax(z);
    return {lambda, lambda, 0};
  }

  std::mt19937_64 rng_;
};

}  // namespace

MethodInfo rlwInfo()
{
  MethodInfo m;
  m.name = "rlw";
  m.description = "random loss weighting: softmax of a standard normal draw every step (weights sum to 1)";
  m.make = [](const MethodSetup& s) { return std::make_unique<Rlw>(s.seed); };
  return m;
}

}  // namespace seesaw
