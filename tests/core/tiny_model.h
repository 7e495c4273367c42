#pragma once
// A model small enough to check gradients against brute force: three categorical fields
// (user, item, one more), two dense features, three tasks.

#include "model/model_factory.h"

namespace seesaw::test {

inline FeatureSpec tinySpec() { return {{"user", "item", "field"}, {5, 4, 3}, 2, {"a", "b", "c"}}; }

inline ModelConfig tinyConfig(ModelType type, int levels)
{
  ModelConfig c;
  c.type = type;
  c.embeddingDim = 3;
  c.bottomHidden = {4, 3};
  c.experts = 2;
  c.expertHidden = {4, 3};
  c.levels = levels;
  c.sharedExperts = 1;
  c.specificExperts = 1;
  c.towerHidden = {2};
  return c;
}

}  // namespace seesaw::test
