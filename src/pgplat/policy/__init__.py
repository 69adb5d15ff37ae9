"""Policy checks over synthesized templates: our rule pack, cdk-nag, cfn-lint, the
cross-account chain check and the isolation proof, all reported as one list of findings."""
