package dev.logmesh.examples.payment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Logux's ask/answer pattern between a shop and a payment node: the shop adds {@code payment/ask}, the
 * payment node answers with {@code payment/done} carrying the ask's id in its {@code ask} field
 * ({@link MeshNode#ASK_FIELD}), and the shop's {@link MeshNode#ask} completes with that answer.
 */
public final class Payments {
    /** Action type of a payment request: {@code {"type": "payment/ask", "order": "o-1", "amount": 42}}. */
    public static final String ASK = "payment/ask";
    /** Action type of the answer: {@code {"type": "payment/done", "ask": "<id>", "ok": true, ...}}. */
    public static final String DONE = "payment/done";

    private Payments() {
    }

    /**
     * The outcome of a payment.
     *
     * @param ok     whether the payment went through
     * @param reason why not (empty when ok)
     */
    public record Result(boolean ok, String reason) {
        static Result of(Entry answer) {
            return new Result(answer.action().get("ok").asBoolean(false), answer.action().get("reason") == null
                ? "" : answer.action().get("reason").asText());
        }
    }

    /**
     * The shop side: asks the mesh to pay and waits for the answer.
     *
     * @return the result; fails with {@link java.util.concurrent.TimeoutException} if no payment node answered
     *     within {@code timeout}
     */
    public static CompletableFuture<Result> pay(MeshNode shop, String order, long amount, Duration timeout) {
        ObjectNode ask = Action.ofType(ASK).json();
        ask.put("order", order);
        ask.put("amount", amount);
        return shop.ask(Action.of(ask), DONE, timeout).thenApply(Result::of);
    }

    /**
     * The payment side: answers every {@code payment/ask} this node sees. Payments up to {@code limit} are
     * accepted, larger ones declined.
     */
    public static MeshNode.Subscription serve(MeshNode payment, long limit) {
        return payment.answer(ASK, ask -> {
            long amount = ask.action().get("amount").asLong();
            ObjectNode done = Action.ofType(DONE).json();
            done.put("order", ask.action().get("order").asText());
            done.put("ok", amount <= limit);
            if (amount > limit) {
                done.put("reason", "amount " + amount + " is over the limit of " + limit);
            }
            return Action.of(done);
        });
    }
}
