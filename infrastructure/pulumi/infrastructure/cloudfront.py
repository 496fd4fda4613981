"""CloudFront (plan: CloudFront): the browser app (frontend/dist) for the `app.` and `learn.` hosts from the
frontend bucket through origin access control: SPA routing (403/404 -> /index.html), compression, hashed
assets (/assets/*) cached for a year, everything else (index.html) revalidated on every request so a release
shows at once. The API's CORS_ORIGINS are the same hosts (app_env.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .s3 import SecureBucket

# AWS-managed policy (stable, documented ID).
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # HSTS, nosniff, frame options, referrer policy
ONE_YEAR = 31_536_000
# Vite writes content-hashed files here; a changed file gets a new name, so they can be cached for good.
HASHED_ASSETS_PATH = "/assets/*"


@dataclass(frozen=True)
class CdnArgs:
    prefix: str
    bucket: SecureBucket
    aliases: tuple[str, ...]
    certificate_arn: pulumi.Input[str]
    tags: dict[str, str]


class Cdn(pulumi.ComponentResource):
    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:cdn:Cdn", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{args.prefix}-frontend",
            description="CloudFront reads the frontend bucket; nobody else does",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        immutable = self._cache_policy(
            "immutable-assets", args.prefix, "content-hashed build assets: cache for a year", ONE_YEAR, ONE_YEAR
        )
        # index.html and the other unhashed files: no TTL of CloudFront's own, so the objects' `Cache-Control:
        # no-cache` (scripts/deploy.sh) holds and a new release is served at once.
        revalidate = self._cache_policy(
            "revalidate", args.prefix, "index.html and unhashed files: follow the object's no-cache", 0, 0
        )
        origin_id = "frontend-s3"
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"{args.prefix} frontend",
            aliases=list(args.aliases),
            default_root_object="index.html",
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin_id,
                    domain_name=args.bucket.bucket.bucket_regional_domain_name,
                    origin_access_control_id=oac.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=origin_id,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                compress=True,
                cache_policy_id=revalidate.id,
                response_headers_policy_id=SECURITY_HEADERS,
            ),
            ordered_cache_behaviors=[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=HASHED_ASSETS_PATH,
                    target_origin_id=origin_id,
                    viewer_protocol_policy="redirect-to-https",
                    allowed_methods=["GET", "HEAD"],
                    cached_methods=["GET", "HEAD"],
                    compress=True,
                    cache_policy_id=immutable.id,
                    response_headers_policy_id=SECURITY_HEADERS,
                )
            ],
            # Client-side routes (/learn/:slug, ...) are not objects: serve the app and let the router decide.
            custom_error_responses=[
                aws.cloudfront.DistributionCustomErrorResponseArgs(
                    error_code=code,
                    response_code=200,
                    response_page_path="/index.html",
                    error_caching_min_ttl=0,  # the fallback is index.html: never serve an old one
                )
                for code in (403, 404)
            ],
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            ),
            tags=args.tags,
            opts=child,
        )
        args.bucket.attach_policy(
            [
                pulumi.Output.all(args.bucket.arn, self.distribution.arn).apply(
                    lambda arns: {
                        "Sid": "CloudFrontReadOnly",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": f"{arns[0]}/*",
                        "Condition": {"StringEquals": {"AWS:SourceArn": arns[1]}},
                    }
                )
            ]
        )
        self.distribution_id = self.distribution.id
        self.domain_name = self.distribution.domain_name
        self.hosted_zone_id = self.distribution.hosted_zone_id
        self.register_outputs({"distribution_id": self.distribution_id, "domain_name": self.domain_name})

    def _cache_policy(
        self, key: str, prefix: str, comment: str, min_ttl: int, default_ttl: int
    ) -> aws.cloudfront.CachePolicy:
        """A cache policy keyed on the path only (no cookies, headers or query strings), gzip/brotli on."""
        return aws.cloudfront.CachePolicy(
            f"{self._name}-{key}",
            name=f"{prefix}-{key}",
            comment=comment,
            min_ttl=min_ttl,
            default_ttl=default_ttl,
            max_ttl=ONE_YEAR,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior="none"
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="none"
                ),
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="none"
                ),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
