/** The handlers of every implemented operation, one file per feature area (as spec/ is split). */
import type { S3Handlers } from "../../generated/handlers.js";
import { aclHandlers } from "./acl.js";
import { attributesHandlers } from "./attributes.js";
import { bucketsHandlers } from "./buckets.js";
import type { HandlerContext } from "./common.js";
import { copyHandlers } from "./copy.js";
import { corsHandlers } from "./cors.js";
import { encryptionHandlers } from "./encryption.js";
import { policyHandlers } from "./policy.js";
import { lifecycleHandlers } from "./lifecycle.js";
import { listingHandlers } from "./listing.js";
import { multipartHandlers } from "./multipart.js";
import { objectLockHandlers } from "./object-lock.js";
import { objectsHandlers } from "./objects.js";
import { postObjectHandlers } from "./post-object.js";
import { taggingHandlers } from "./tagging.js";
import { versioningHandlers } from "./versioning.js";
import { unconfiguredHandlers } from "./unconfigured.js";

export type { HandlerContext };

export function createHandlers(): S3Handlers<HandlerContext> {
  return { ...aclHandlers, ...attributesHandlers, ...bucketsHandlers, ...listingHandlers, ...objectsHandlers, ...postObjectHandlers, ...copyHandlers, ...multipartHandlers, ...taggingHandlers, ...corsHandlers, ...versioningHandlers, ...lifecycleHandlers, ...policyHandlers, ...objectLockHandlers, ...encryptionHandlers, ...unconfiguredHandlers };
}
