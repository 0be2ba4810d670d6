// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { AccelerateConfiguration, BucketLoggingStatus, ListBucketAnalyticsConfigurationResult, ListBucketIntelligentTieringConfigurationsResult, ListInventoryConfigurationsResult, ListMetricsConfigurationsResult, NotificationConfiguration, RequestPaymentConfiguration } from "./shapes.js";

/** Input of GetBucketAccelerateConfiguration (GET /{Bucket}?accelerate). */
export interface GetBucketAccelerateConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketAccelerateConfiguration; default status 200. */
export interface GetBucketAccelerateConfigurationOutput {
  /** (body) */
  Body: AccelerateConfiguration;
}

/** Input of GetBucketAnalyticsConfiguration (GET /{Bucket}?analytics&id). */
export interface GetBucketAnalyticsConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query id) */
  Id: string;
}

/** Output of GetBucketAnalyticsConfiguration; default status 200. */
export interface GetBucketAnalyticsConfigurationOutput {

}

/** Input of GetBucketIntelligentTieringConfiguration (GET /{Bucket}?intelligent-tiering&id). */
export interface GetBucketIntelligentTieringConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query id) */
  Id: string;
}

/** Output of GetBucketIntelligentTieringConfiguration; default status 200. */
export interface GetBucketIntelligentTieringConfigurationOutput {

}

/** Input of GetBucketInventoryConfiguration (GET /{Bucket}?inventory&id). */
export interface GetBucketInventoryConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query id) */
  Id: string;
}

/** Output of GetBucketInventoryConfiguration; default status 200. */
export interface GetBucketInventoryConfigurationOutput {

}

/** Input of GetBucketLogging (GET /{Bucket}?logging). */
export interface GetBucketLoggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketLogging; default status 200. */
export interface GetBucketLoggingOutput {
  /** (body) */
  Body: BucketLoggingStatus;
}

/** Input of GetBucketMetricsConfiguration (GET /{Bucket}?metrics&id). */
export interface GetBucketMetricsConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query id) */
  Id: string;
}

/** Output of GetBucketMetricsConfiguration; default status 200. */
export interface GetBucketMetricsConfigurationOutput {

}

/** Input of GetBucketNotificationConfiguration (GET /{Bucket}?notification). */
export interface GetBucketNotificationConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketNotificationConfiguration; default status 200. */
export interface GetBucketNotificationConfigurationOutput {
  /** (body) */
  Body: NotificationConfiguration;
}

/** Input of GetBucketReplication (GET /{Bucket}?replication). */
export interface GetBucketReplicationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketReplication; default status 200. */
export interface GetBucketReplicationOutput {

}

/** Input of GetBucketRequestPayment (GET /{Bucket}?requestPayment). */
export interface GetBucketRequestPaymentInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketRequestPayment; default status 200. */
export interface GetBucketRequestPaymentOutput {
  /** (body) */
  Body: RequestPaymentConfiguration;
}

/** Input of GetBucketWebsite (GET /{Bucket}?website). */
export interface GetBucketWebsiteInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketWebsite; default status 200. */
export interface GetBucketWebsiteOutput {

}

/** Input of ListBucketAnalyticsConfigurations (GET /{Bucket}?analytics). */
export interface ListBucketAnalyticsConfigurationsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query continuation-token) */
  ContinuationToken?: string;
}

/** Output of ListBucketAnalyticsConfigurations; default status 200. */
export interface ListBucketAnalyticsConfigurationsOutput {
  /** (body) */
  Body: ListBucketAnalyticsConfigurationResult;
}

/** Input of ListBucketIntelligentTieringConfigurations (GET /{Bucket}?intelligent-tiering). */
export interface ListBucketIntelligentTieringConfigurationsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query continuation-token) */
  ContinuationToken?: string;
}

/** Output of ListBucketIntelligentTieringConfigurations; default status 200. */
export interface ListBucketIntelligentTieringConfigurationsOutput {
  /** (body) */
  Body: ListBucketIntelligentTieringConfigurationsResult;
}

/** Input of ListBucketInventoryConfigurations (GET /{Bucket}?inventory). */
export interface ListBucketInventoryConfigurationsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query continuation-token) */
  ContinuationToken?: string;
}

/** Output of ListBucketInventoryConfigurations; default status 200. */
export interface ListBucketInventoryConfigurationsOutput {
  /** (body) */
  Body: ListInventoryConfigurationsResult;
}

/** Input of ListBucketMetricsConfigurations (GET /{Bucket}?metrics). */
export interface ListBucketMetricsConfigurationsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query continuation-token) */
  ContinuationToken?: string;
}

/** Output of ListBucketMetricsConfigurations; default status 200. */
export interface ListBucketMetricsConfigurationsOutput {
  /** (body) */
  Body: ListMetricsConfigurationsResult;
}
