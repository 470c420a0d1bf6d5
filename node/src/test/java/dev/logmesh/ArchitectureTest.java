package dev.logmesh;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
import java.util.List;
import java.util.stream.Stream;

/**
 * The floor plan of {@code logmesh-node}, checked on its compiled classes (tests and other modules left out).
 *
 * <ul>
 *   <li>(a) The public API: public top-level types live only in {@code dev.logmesh}, {@code dev.logmesh.spi} and
 *       under {@code dev.logmesh.internal}; {@code dev.logmesh} holds the facade, the values and the exceptions
 *       and nothing else; the public types of both public packages are listed here, one by one.</li>
 *   <li>(b) Imports point one way: values &larr; SPI &larr; {@code internal.{log,store,protocol,auth,edge}} &larr;
 *       {@code internal.session} &larr; {@code internal.mesh} &larr; facade (&larr; the CLI, in its own module).
 *       {@code internal.net}, the network transport, may use the protocol but not the session or the mesh,
 *       and only the facade plugs it in. Values and SPIs import nothing internal. The facade and the values
 *       share {@code dev.logmesh}, so those layers are defined by class.</li>
 *   <li>(c) No cycles between the {@code dev.logmesh.internal.*} packages.</li>
 * </ul>
 *
 * <p>Rules that other work in progress still breaks are wrapped in {@link FreezingArchRule}: the violations they
 * had when written are listed in {@code src/test/resources/archunit_store} and tolerated; any new one fails the
 * build, and a fixed one is dropped from the store (commit the smaller store). The rules themselves are exact.
 */
@AnalyzeClasses(packages = "dev.logmesh", importOptions = {ImportOption.DoNotIncludeTests.class,
    ImportOption.DoNotIncludePackageInfos.class, ArchitectureTest.NodeOnly.class})
class ArchitectureTest {

    /** The facade: what an application starts and configures. */
    static final List<String> FACADE = List.of("MeshNode", "NodeConfig", "ReplicatedState", "ClientHookRegistry",
        "ClientSetup");
    /** Values and exceptions: immutable types that depend on nothing else of logmesh. */
    static final List<String> VALUES = List.of("Action", "ActionId", "Meta", "Entry", "Criteria", "PeerStatus",
        "OverlayView", "NodeHealth", "StoreException", "TypeHooks", "ChannelHooks", "ClientContext", "Recipients",
        "NotFoundException", "StatusPageException", "StoreInUseException");
    /** Public nested types of the facade. */
    static final List<String> FACADE_NESTED = List.of("MeshNode$Listener", "MeshNode$Subscription",
        "NodeConfig$Builder", "NodeConfig$Unaddressed", "TypeHooks$Access", "TypeHooks$Resend", "TypeHooks$Processor",
        "ChannelHooks$Access", "ChannelHooks$Filter", "ChannelHooks$Load", "ChannelHooks$Request");
    /** The SPIs and their public nested types. */
    static final List<String> SPI = List.of("Store", "Order", "PeerCursor", "Loop", "Loop$Cancellable", "Transport",
        "Connection", "Connection$Handler", "Store$Corruption", "Store$ForgetBatch", "Store$ScrubStep",
        "Store$Scrubber", "Store$ScrubRead", "Store$Suspect",
        // session 44: a store that reads beside its owner gives the channel replay a reader off the loop
        "Store$PageReader");

    static final String ROOT = "dev.logmesh";
    static final String INTERNAL = "dev.logmesh.internal";

    /** Only logmesh-node's classes: not logmesh-discovery's, which share the dev.logmesh prefix. */
    static final class NodeOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/dev/logmesh/discovery/");
        }
    }

    /** Classes of {@code pkg} whose top-level class is one of {@code names}, with their nested classes. */
    static DescribedPredicate<JavaClass> topLevelIn(String pkg, List<String> names) {
        return DescribedPredicate.describe(pkg + "." + names, c -> {
            if (!c.getPackageName().equals(pkg)) {
                return false;
            }
            String simple = c.getName().substring(pkg.length() + 1);
            int nested = simple.indexOf('$');
            return names.contains(nested < 0 ? simple : simple.substring(0, nested));
        });
    }

    /** Is one of these names in {@code pkg} (nested classes as {@code Outer$Inner}); says which one is not. */
    static ArchCondition<JavaClass> beOneOf(String pkg, List<String> names) {
        return new ArchCondition<>("be one of " + pkg + "." + names) {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                boolean listed = c.getPackageName().equals(pkg)
                    && names.contains(c.getName().substring(pkg.length() + 1));
                events.add(new SimpleConditionEvent(c, listed, c.getName() + " is not listed for " + pkg));
            }
        };
    }

    static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    // ------------------------------------------------------------------ (a) the public API

    @ArchTest
    static final ArchRule publicTopLevelTypesLiveInThePublicOrTheInternalPackages = classes()
        .that().arePublic().and().areTopLevelClasses()
        .should().resideInAnyPackage(ROOT, ROOT + ".spi", INTERNAL + "..")
        .because("the public API is dev.logmesh and dev.logmesh.spi; everything else is internal");

    @ArchTest
    static final ArchRule theRootPackageHoldsOnlyTheFacadeTheValuesAndTheExceptions = classes()
        .that().resideInAPackage(ROOT).and().areTopLevelClasses()
        .should(beOneOf(ROOT, concat(FACADE, VALUES)))
        .because("dev.logmesh is the facade and the values; anything else belongs in an internal package");

    @ArchTest
    static final ArchRule thePublicTypesOfTheRootPackageAreTheListedOnes = FreezingArchRule.freeze(classes()
        .that().resideInAPackage(ROOT).and().arePublic()
        .should(beOneOf(ROOT, concat(concat(FACADE, VALUES), FACADE_NESTED)))
        // a description without the list: it is the key of the rule's frozen violations in the store
        .as("public types of dev.logmesh should be the listed facade types, values and exceptions, because the API"
            + " is listed here on purpose: a value (PeerStatus) is a top-level type, not nested in the facade"));

    @ArchTest
    static final ArchRule thePublicTypesOfTheSpiPackageAreTheListedOnes = classes()
        .that().resideInAPackage(ROOT + ".spi").and().arePublic()
        .should(beOneOf(ROOT + ".spi", SPI))
        .because("an SPI is a contract users implement: a new one is a decision, listed here");

    // ------------------------------------------------------------------ (b) the direction of imports

    @ArchTest
    static final ArchRule valuesAndSpisImportNothingInternal = noClasses()
        .that(topLevelIn(ROOT, VALUES)).or().resideInAPackage(ROOT + ".spi..")
        .should().dependOnClassesThat().resideInAPackage(INTERNAL + "..")
        .because("values and SPIs are what users see and implement: they must not drag internals along");

    @ArchTest
    static final ArchRule importsPointOneWay = layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .ensureAllClassesAreContainedInArchitecture()
        .layer("Values").definedBy(topLevelIn(ROOT, VALUES))
        .layer("SPI").definedBy(ROOT + ".spi..")
        .layer("Log, store, protocol, auth").definedBy(INTERNAL + ".log..", INTERNAL + ".store..",
            INTERNAL + ".protocol..", INTERNAL + ".auth..", INTERNAL + ".reconcile..", INTERNAL + ".overlay..",
            INTERNAL + ".edge..", INTERNAL + ".callback..")
        .layer("Session").definedBy(INTERNAL + ".session..")
        .layer("Mesh").definedBy(INTERNAL + ".mesh..")
        .layer("Net").definedBy(INTERNAL + ".net..")
        .layer("Metrics").definedBy(INTERNAL + ".metrics..")
        .layer("Facade").definedBy(topLevelIn(ROOT, FACADE))
        .whereLayer("Facade").mayNotBeAccessedByAnyLayer()
        .whereLayer("Mesh").mayOnlyBeAccessedByLayers("Facade")
        .whereLayer("Net").mayOnlyBeAccessedByLayers("Facade")
        .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Facade")
        .whereLayer("Session").mayOnlyBeAccessedByLayers("Mesh", "Facade")
        .whereLayer("Log, store, protocol, auth").mayOnlyBeAccessedByLayers("Session", "Mesh", "Net", "Metrics",
            "Facade")
        .whereLayer("SPI").mayOnlyBeAccessedByLayers("Log, store, protocol, auth", "Session", "Mesh", "Net",
            "Facade")
        .whereLayer("Values").mayOnlyBeAccessedByLayers("SPI", "Log, store, protocol, auth", "Session", "Mesh",
            "Net", "Facade")
        .because("values <- SPI <- log/store/protocol/auth <- session <- mesh <- facade <- CLI; the network "
            + "transport uses the protocol and is plugged in by the facade");

    // ------------------------------------------------------------------ (c) no cycles

    @ArchTest
    static final ArchRule internalPackagesHaveNoCycles = slices()
        .matching(INTERNAL + ".(*)..")
        .should().beFreeOfCycles()
        .because("each internal package can be understood, tested and replaced on its own");
}
