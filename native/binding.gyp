{
  "targets": [
    {
      "target_name": "ebpipe_native",
      "sources": ["src/addon.cc", "src/bpf_object.cc", "src/ring_reader.cc", "src/libbpf_log.cc", "src/peer_credentials.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "libraries": ["-lbpf", "-lelf", "-lz"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
