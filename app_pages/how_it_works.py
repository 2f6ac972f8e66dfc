"""How it works: the blog's maths next to the reference engine's code (read from the source)."""

import streamlit as st

from ui.session import actions, nav, store
from ui.views import inside
from ui.views.how import (
    BACKWARD,
    BLOG_TRAIN_METHOD,
    FORWARD,
    LOSS,
    OUTPUT_DELTA,
    UPDATE,
    blog_rule_comparison,
    caption,
    per_sample_code,
    section,
    sources,
    use_blog_setup,
)
from ui.views.step import step_section

actions.init_state()
st.title("📐 How it works")
st.caption(
    "The blog post *Creating my own Neural Network* in five formulas, each next to the code "
    "of the reference engine that computes it: plain NumPy, read from the running functions. "
    "Samples are rows here, so the blog's `W @ x` is `x @ W`. The playground trains with faster "
    "backends that the tests prove equal to this code. "
    "Part 6 takes one step of your own network on one row and shows every number."
)
actions.show_messages()

section(
    "1 · Forward pass",
    [
        r"\begin{aligned} a^{(0)} &= x \\ z^{(l)} &= a^{(l-1)} W^{(l)} + b^{(l)} \\"
        r"a^{(l)} &= f_l\!\left(z^{(l)}\right) \end{aligned}"
    ],
    "Each layer multiplies its inputs by a weight matrix, adds a bias and applies its "
    "activation. The blog has one hidden layer, sigmoid everywhere "
    r"($f(z) = 1/(1+e^{-z})$) and no biases.",
    sources(FORWARD),
    caption(FORWARD),
)

section(
    "2 · Squared error",
    [r"L = \frac{1}{n}\sum_{i=1}^{n} \tfrac12 \sum_k \left(o_{ik} - y_{ik}\right)^2"],
    "The blog's loss. The ½ makes its derivative simply $o - y$. The playground also offers "
    "cross-entropy, which pairs with sigmoid and softmax outputs and does not stall when "
    "they saturate.",
    sources(LOSS),
    caption(LOSS),
)

section(
    "3 · Output delta",
    [
        r"\delta^{(L)} = \frac{\partial L}{\partial z^{(L)}}"
        r" = (o - y) \odot o \odot (1 - o)"
    ],
    "How the loss changes with the output layer's input: the error times the sigmoid's "
    "slope $o(1-o)$. This is the blog's `output_errors * final_outputs * (1 - final_outputs)` "
    "(its sign is flipped because it adds the step). One delta per sample: the mean over the "
    "batch is taken with each layer's gradient.",
    sources(OUTPUT_DELTA),
    caption(OUTPUT_DELTA),
)

st.header("4 · Hidden errors: the blog's rule and the exact gradient")
left, right = st.columns([5, 7], gap="large")
with left:
    st.markdown("**Exact backpropagation** (the chain rule):")
    st.latex(
        r"\delta^{(l-1)} = \left(W^{(l)\top} \delta^{(l)}\right) \odot f'\!\left(z^{(l-1)}\right)"
    )
    st.markdown("**The blog's rule** sends the raw error back, without the output's slope:")
    st.latex(
        r"\begin{aligned} e^{(L)} &= o - y \\ e^{(l-1)} &= W^{(l)\top} e^{(l)} \\"
        r"\text{step}^{(l-1)} &\propto e^{(l-1)} \odot f'\!\left(z^{(l-1)}\right) \end{aligned}"
    )
    st.markdown(
        "With one sigmoid output the two differ by one factor: the blog's hidden step is "
        r"$1/(o(1-o)) \ge 4$ times the gradient's, because $o(1-o) \le \tfrac14$. The "
        "output layer's step is the same in both. Choose *update rule* on the Train page "
        "to compare them."
    )
    cmp = blog_rule_comparison(seed=0)
    c1, c2 = st.columns(2)
    c1.metric("Output o", f"{cmp.output:.4f}", help="Blog's 3-2-1 network, seed 0, first row")
    c2.metric(
        "Blog step ÷ exact step",
        f"{cmp.measured_ratio:.3f}×",
        help="Hidden-layer weights, measured with the engine on the blog's first training "
        f"row. Predicted: 1/(o(1−o)) = {cmp.predicted_ratio:.3f}.",
    )
    if cmp.zero_share > 0:
        st.caption(
            f"{cmp.zero_share:.0%} of those hidden-layer gradients are exactly 0: on raw "
            "heights of 150–180 cm with no biases, some sigmoids are fully saturated. That is "
            "why the blog's example predicts about 0.5 for every input after 1,000 epochs."
        )
with right:
    tab_engine, tab_blog, tab_fast = st.tabs(
        ["Engine: Network.backward", "The blog's train()", "Per sample, generated"])
    with tab_engine:
        st.caption(
            f"{caption(BACKWARD)}: one delta per layer, from the top down, then each layer's "
            "gradient. Both rules; `rule == \"blog\"` is the blog's"
        )
        st.code(sources(BACKWARD), language="python", wrap_lines=True)
    with tab_blog:
        st.caption("The blog's method as published; `hidden_errors` is its rule")
        st.code(BLOG_TRAIN_METHOD, language="python", wrap_lines=True)
    with tab_fast:
        trainer = store.session().trainer
        fast_caption, fast_code = per_sample_code(
            *(() if trainer is None else (trainer.network, trainer.settings.update_rule,
                                          trainer.settings.l1, trainer.settings.l2)))
        st.caption(fast_caption)
        st.code(fast_code, language="python", wrap_lines=True)

section(
    "5 · Update",
    [
        r"\begin{aligned} W^{(l)} &\leftarrow W^{(l)} - \eta\; \delta^{(l)} a^{(l-1)\top} \\"
        r"b^{(l)} &\leftarrow b^{(l)} - \eta \textstyle\sum_i \delta^{(l)}_i \end{aligned}"
    ],
    r"Gradient descent with learning rate $\eta$ (the blog's `learning_rate`, 0.1). The "
    "backward pass leaves the gradient in `grad`; the optimiser applies the learning rate, "
    "one line over all weights and biases at once. Momentum and Adam are options on the "
    "Train page.",
    sources(UPDATE),
    caption(UPDATE),
)

st.divider()
st.markdown(
    "**Try it.** Load the blog's exact setup — raw inputs, no biases, sigmoid, squared error, "
    "one row per update, its hidden-error rule — then train it and watch the sigmoids "
    "saturate. Switching on *biases* and *standard scaling* fixes it, and so does *min–max "
    "scaling* alone; standard scaling without biases does not (the Train page says why)."
)
if st.button("Load the blog's setup and open Train", type="primary") and use_blog_setup():
    st.switch_page(nav.TRAIN)
actions.show_messages()

st.divider()
step_section()  # 6 · One step, every number (ui/views/step.py)

st.divider()
inside.how_it_works_section(nav.INSIDE)  # 7 · Inside the network: the four views' maths
