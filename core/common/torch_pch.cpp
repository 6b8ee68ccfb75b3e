// The translation unit that builds the precompiled <torch/torch.h> every LibTorch library of core/ reuses.
