package dev.logmesh.examples.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.MeshNode;
import dev.logmesh.testkit.LocalMesh;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The payment example on the test kit's LocalMesh. */
class PaymentsTest {

    @Test
    void theShopAsksAndThePaymentNodeAnswers() throws Exception {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode bank = mesh.start("bank");
            MeshNode shop = mesh.start("shop", "bank");
            Payments.serve(bank, 100);
            mesh.run(100);
            CompletableFuture<Payments.Result> small = Payments.pay(shop, "o-1", 40, Duration.ofSeconds(5));
            CompletableFuture<Payments.Result> big = Payments.pay(shop, "o-2", 400, Duration.ofSeconds(5));
            mesh.run(100);
            assertEquals(new Payments.Result(true, ""), small.getNow(null));
            assertEquals(new Payments.Result(false, "amount 400 is over the limit of 100"), big.getNow(null));
        }
    }

    @Test
    void withoutAPaymentNodeTheAskTimesOut() throws Exception {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode bank = mesh.start("bank");
            MeshNode shop = mesh.start("shop", "bank");
            Payments.serve(bank, 100);
            mesh.run(100);
            mesh.net().down("bank");
            CompletableFuture<Payments.Result> r = Payments.pay(shop, "o-1", 1, Duration.ofSeconds(5));
            mesh.run(4_999);
            assertFalse(r.isDone());
            mesh.run(1);
            assertTrue(r.isCompletedExceptionally());
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, r::join);
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
    }
}
