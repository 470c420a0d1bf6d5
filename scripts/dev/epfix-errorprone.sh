#!/bin/bash
# Applies Error Prone's own fixes for the style checks in place, then restores the pom.
cd "${1:-$(dirname "$0")/../..}" || exit 1
cp pom.xml /tmp/pom.epfix
CHECKS=PatternMatchingInstanceof,StatementSwitchToExpressionSwitch,OperatorPrecedence,IntLongMath,ModifiedButNotUsed,UnnecessaryParentheses,EffectivelyPrivate,CanonicalDuration,StringCaseLocaleUsage,UnnecessaryLambda,MissingOverride,ReferenceEquality
sed -i "s|-XepDisableWarningsInGeneratedCode</arg>|-XepDisableWarningsInGeneratedCode -XepPatchLocation:IN_PLACE -XepPatchChecks:$CHECKS</arg>|; s|-XepDisableWarningsInGeneratedCode -Xep:MissingSummary:OFF</arg>|-XepDisableWarningsInGeneratedCode -Xep:MissingSummary:OFF -XepPatchLocation:IN_PLACE -XepPatchChecks:$CHECKS</arg>|; s|<arg>-Werror</arg>||" pom.xml
find . -path '*/target/classes' -prune -exec rm -rf {} + ; find . -path '*/target/test-classes' -prune -exec rm -rf {} +
mvn -B -o -q test-compile 2>&1 | grep ERROR | head -3
cp /tmp/pom.epfix pom.xml
find . -path '*/target/classes' -prune -exec rm -rf {} + ; find . -path '*/target/test-classes' -prune -exec rm -rf {} +
mvn -B -o test-compile 2>&1 | grep -E "WARNING.*\.java|ERROR.*\.java|BUILD FAILURE" | sed "s|$PWD/||" | sort -u | head -20
