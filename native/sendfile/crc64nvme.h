/* crc64nvme.c: registers crc64nvme(data, crc) on the addon's exports. */
#ifndef S3G_CRC64NVME_H
#define S3G_CRC64NVME_H
#include <node_api.h>
void register_crc64nvme(napi_env env, napi_value exports);
#endif
