{
  "targets": [
    {
      "target_name": "tensorgrad",
      "sources": ["src/addon.c", "src/blas.c", "src/elementwise.c", "src/gemm.c", "src/kernels.c", "src/optim.c", "src/window.c"],
      "cflags": ["-std=gnu11", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=gnu11", "-O3", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
