{
  "targets": [
    {
      "target_name": "s3g_sendfile",
      "sources": ["sendfile.c", "crc64nvme.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
