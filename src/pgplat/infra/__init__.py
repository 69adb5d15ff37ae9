"""The data-account infrastructure as AWS CDK constructs, generated from ``PgplatConfig``.

Importing this package first points jsii at the bundled Node, so every module under it may
import ``aws_cdk`` freely.
"""

from pgplat.infra.node import use_bundled_node

use_bundled_node()
