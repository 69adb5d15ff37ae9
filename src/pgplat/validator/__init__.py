"""The restore-test validator: the code of the Lambda that proves each AWS Backup restore test.

The handler (:mod:`~pgplat.validator.handler`) and the engine it shares with ``pgplat drill
restore`` live here: the validation suite (:mod:`~pgplat.validator.suite`), waiting for and
logging in to a restored copy (:mod:`~pgplat.validator.copies`, :mod:`~pgplat.validator.access`,
:mod:`~pgplat.validator.connect`), drill names and tags, and the drill metrics. So does the
contract with the construct that deploys it (:mod:`~pgplat.validator.settings`: environment,
handler path, CA layer path; the metric namespace and dimensions; the drill copies' names).

The Lambda asset is this package plus exactly the pgplat modules it imports, as a fresh
interpreter loads them with the handler (``pgplat.infra.restore_validation`` finds them at
synthesis, so the asset follows the imports): the suite is declared in the configuration
model, so ``pgplat.config``'s model ships too, with what it imports (``pgplat.errors``,
``pgplat.project``; not the YAML loader, which the Lambda never runs), and
``pgplat.naming`` for the source identifier in :meth:`~pgplat.validator.settings.ValidatorSettings.of`. Nothing here may import drills,
infra, policy or commands (an import-linter contract), so none of them is in the asset.
"""

ASSET_DISTRIBUTIONS = (
    "psycopg",
    "psycopg-binary",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-extensions",
    "typing-inspection",
)
"""What the asset imports beyond the standard library and the Lambda runtime's boto3."""
