package dev.logmesh.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The command line sits on top: it uses the node, and nothing uses it. Checked on the compiled classes of
 * {@code logmesh-cli} and of the modules it depends on (their tests left out). The node's own floor plan is
 * {@code dev.logmesh.ArchitectureTest} in {@code logmesh-node}.
 */
@AnalyzeClasses(packages = "dev.logmesh", importOptions = {ImportOption.DoNotIncludeTests.class,
    ImportOption.DoNotIncludePackageInfos.class})
class CliArchitectureTest {
    static final String CLI = "dev.logmesh.cli";
    static final String INTERNAL = "dev.logmesh.internal";

    @ArchTest
    static final ArchRule theOnlyPublicTypeIsMain = classes()
        .that().resideInAPackage(CLI + "..").and().arePublic()
        .should().haveFullyQualifiedName(CLI + ".Main")
        .because("the command line is a program, not a library: its entry point is its only public type");

    @ArchTest
    static final ArchRule nothingOutsideTheCliUsesIt = noClasses()
        .that().resideOutsideOfPackage(CLI + "..")
        .should().dependOnClassesThat().resideInAPackage(CLI + "..")
        .because("the CLI is the top layer: the node and discovery know nothing of it");

    @ArchTest
    static final ArchRule theCliUsesThePublicApiAndOnlyTheLogAndStoreInternals = noClasses()
        .that().resideInAPackage(CLI + "..")
        .should().dependOnClassesThat(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage(
                INTERNAL + ".protocol..", INTERNAL + ".auth..", INTERNAL + ".session..", INTERNAL + ".mesh..",
                INTERNAL + ".net..", INTERNAL + ".edge..")
            .and(com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(
                    dev.logmesh.internal.protocol.EntrySize.class)))
            .and(com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(
                    dev.logmesh.internal.edge.UserTokens.class)))
            .and(com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(
                    dev.logmesh.internal.net.StatusServer.class)))
            .and(com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(
                    dev.logmesh.internal.protocol.UrlHost.class)))
            .and(com.tngtech.archunit.base.DescribedPredicate.not(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(
                    dev.logmesh.internal.protocol.Subprotocols.class))))
        .because("the CLI runs a node through the facade (MeshNode, NodeConfig and its DEFAULT_* constants); only"
            + " its offline commands (add, log, peers on a data directory) open the log and the store directly,"
            + " and add measures an entry as a frame does (EntrySize) to refuse what the mesh could not carry;"
            + " user-token issues the tokens the nodes check (UserTokens); --metrics serves its scrape on the"
            + " status page's server (StatusServer), whose requests are parsed without blocking; --subprotocol and"
            + " --min-subprotocol are checked by the node's one rule (Subprotocols)");
}
